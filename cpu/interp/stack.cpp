// Stack instructions: PUSH and POP of registers, memory, immediates and segment registers,
// PUSHA/PUSHAD, POPA/POPAD, ENTER and LEAVE.
//
// Every instruction here reads or writes all its stack slots before it moves ESP, so a #SS or
// #PF leaves ESP (and EBP) as they were. The stack width (SS.B) decides whether SP or ESP
// moves; the operand size decides how many bytes each slot has.
//
// PUSH of a segment register with a 32-bit operand size writes a zero-extended doubleword:
// Intel allows that or a 16-bit write, and pvlab's reference CPU for differential testing
// does the former.
#include "cpu/interp/forms.h"
#include "cpu/interp/groups.h"

namespace pvlab::interp {

namespace {

// PUSH r/m, imm, sreg. PUSH ESP pushes the value ESP had before the instruction.
[[gnu::noinline]] bool push(Cpu& c, const Insn& i) {
  uint32_t v;
  if (!c.load(i, 0, v)) return false;
  return c.push(v, i.osize);
}

// POP r/m, sreg. POP ESP leaves the popped value in ESP; a memory destination addressed
// through ESP uses ESP after the increment. POP SS holds off interrupts for one instruction
// (Cpu::load_seg).
[[gnu::noinline]] bool pop(Cpu& c, const Insn& i) {
  uint32_t v;
  if (!c.stack_read(0, i.osize, v)) return false;
  const Operand& o = i.op[0];
  if (o.kind == OpKind::Mem) {
    uint32_t old = c.s.r[ESP];
    c.set_sp(c.sp() + i.osize);
    if (!c.store(i, 0, v)) {
      c.s.r[ESP] = old;
      return false;
    }
    return true;
  }
  if (o.kind == OpKind::SReg) {
    // The increment follows the stack width before the load (POP SS may change it).
    const uint32_t old = c.s.r[ESP];
    c.set_sp(c.sp() + i.osize);
    const uint32_t popped = c.s.r[ESP];
    c.s.r[ESP] = old;
    if (!c.load_seg(o.reg, uint16_t(v))) return false;
    c.s.r[ESP] = popped;
    return true;
  }
  c.set_sp(c.sp() + i.osize);
  return c.store(i, 0, v);
}

// PUSHA/PUSHAD: EAX, ECX, EDX, EBX, the original ESP, EBP, ESI, EDI.
[[gnu::noinline]] bool pusha(Cpu& c, const Insn& i) {
  const unsigned n = i.osize;
  for (unsigned r = 0; r < 8; ++r) {
    if (!c.stack_write(0u - n * (r + 1), n, c.s.r[r])) return false;
  }
  c.set_sp(c.sp() - 8 * n);
  return true;
}

// POPA/POPAD: the reverse order, from the top of the stack (EDI) up. The ESP slot is read
// but its value dropped: a page fault on it names its address, as on the hardware. Each
// register is loaded as its slot is read and ESP moves only at the end: a fault part-way
// leaves the registers already popped loaded, as processors do (the instruction restarts
// with ESP unchanged and pops them again).
[[gnu::noinline]] bool popa(Cpu& c, const Insn& i) {
  const unsigned n = i.osize;
  for (int r = EDI; r >= EAX; --r) {
    uint32_t v;
    if (!c.stack_read(n * (EDI - r), n, v)) return false;
    if (r != ESP) c.set_reg(unsigned(r), n, v);
  }
  c.set_sp(c.sp() + 8 * n);
  return true;
}

// ENTER alloc, level: push EBP, copy level-1 frame pointers from the enclosing frame, push the
// new frame pointer (when level > 0), then EBP = frame and ESP = frame - level slots - alloc.
// The stack width decides how much of ESP changes, the operand size how much of EBP; level counts modulo 32. Before
// EBP and ESP change, a write at the final ESP is checked (#SS beyond the limit, #PF as a
// write to that address would raise), after the pushes, as the processor does.
bool enter(Cpu& c, const Insn& i) {
  const unsigned n = i.osize;
  const uint32_t alloc = i.imm & 0xffff;
  const unsigned level = i.imm2 & 31;
  const uint32_t m = c.sp_mask();
  const uint32_t frame = (c.sp() - n) & m;
  const uint32_t new_sp = (frame - n * level - alloc) & m;
  if (!c.stack_write(0u - n, n, c.s.r[EBP])) return false;
  if (level > 0) {
    for (unsigned k = 1; k < level; ++k) {
      uint32_t v;
      if (!c.read(SS, (c.s.r[EBP] - n * k) & m, n, v)) return false;
      if (!c.write(SS, (frame - n * k) & m, n, v)) return false;
    }
    if (!c.write(SS, (frame - n * level) & m, n, frame)) return false;
  }
  if (!c.probe_write(SS, new_sp, n)) return false;
  // A 16-bit ENTER writes only BP, whatever the stack width (as the hardware does).
  if (c.s.seg[SS].big() && n == 4) c.s.r[EBP] = frame;
  else c.set_reg(EBP, 2, frame);
  c.set_sp(new_sp);
  return true;
}

// LEAVE: ESP = EBP (SP = BP on a 16-bit stack), then POP EBP.
bool leave(Cpu& c, const Insn& i) {
  const uint32_t bp = c.s.r[EBP] & c.sp_mask();
  uint32_t v;
  if (!c.read(SS, bp, i.osize, v)) return false;
  c.set_sp(bp + i.osize);
  c.set_reg(EBP, i.osize, v);
  return true;
}

// ---- fast forms: 32-bit operands on a 32-bit flat stack ---------------------------------
// Each writes or reads its whole frame through one host pointer (Cpu::fast_host) and falls
// back to the generic handler above whenever that is not possible, so faults, wrap-around
// and watched memory all take the full path.

template <class S>
struct Push32 {
  static bool run(Cpu& c, const Insn& i) {
    S src;
    paddr_t pa;
    uint8_t* p;
    if (!src.prepare(c, i, 0, false) || !(p = form::stack_host(c, 0u - 4, 4, true, pa)))
      return push(c, i);
    uint32_t v;
    src.get(c, i, 0, v, false);
    Cpu::store_host(p, 4, v);
    c.s.r[ESP] -= 4;
    return form::wrote(c, pa, 4);
  }
};

bool pop_reg32(Cpu& c, const Insn& i) {
  paddr_t pa;
  const uint8_t* p = form::stack_host(c, 0, 4, false, pa);
  if (!p) return pop(c, i);
  const uint32_t v = Cpu::load_host(p, 4);
  c.s.r[ESP] += 4;
  c.s.r[i.op[0].reg] = v;  // POP ESP keeps the popped value
  return true;
}

bool pusha32(Cpu& c, const Insn& i) {
  paddr_t pa;
  uint8_t* p = form::stack_host(c, 0u - 32, 32, true, pa, 8);
  if (!p) return pusha(c, i);
  for (unsigned r = 0; r < 8; ++r) Cpu::store_host(p + 28 - 4 * r, 4, c.s.r[r]);
  c.s.r[ESP] -= 32;
  return form::wrote(c, pa, 32);
}

bool popa32(Cpu& c, const Insn& i) {
  paddr_t pa;
  const uint8_t* p = form::stack_host(c, 0, 32, false, pa, 8);
  if (!p) return popa(c, i);
  for (unsigned r = 0; r < 8; ++r)
    if (r != ESP) c.s.r[r] = Cpu::load_host(p + 28 - 4 * r, 4);
  c.s.r[ESP] += 32;
  return true;
}

Handler specialize_push(const Insn& i) {
  if (i.osize != 4 || i.nops != 1) return nullptr;
  const Operand& o = i.op[0];
  if (o.kind == OpKind::Reg && o.size == 4) return Push32<form::Reg<4>>::run;
  if (o.kind == OpKind::Imm && o.imm_index == 0) return Push32<form::Imm>::run;
  if (o.kind == OpKind::Mem && o.size == 4 && i.asize == 4) return Push32<form::Mem<4>>::run;
  return nullptr;
}

Handler specialize_pop(const Insn& i) {
  if (i.osize == 4 && i.nops == 1 && i.op[0].kind == OpKind::Reg && i.op[0].size == 4)
    return pop_reg32;
  return nullptr;
}

}  // namespace

void register_stack(OpTable& t) {
  t.set(ZYDIS_MNEMONIC_PUSH, push);
  t.set_specializer(ZYDIS_MNEMONIC_PUSH, specialize_push);
  t.set(ZYDIS_MNEMONIC_POP, pop);
  t.set_specializer(ZYDIS_MNEMONIC_POP, specialize_pop);
  t.set(ZYDIS_MNEMONIC_PUSHA, pusha, 0, 8);
  t.set(ZYDIS_MNEMONIC_PUSHAD, pusha, 0, 8);
  t.set_specializer(ZYDIS_MNEMONIC_PUSHAD,
                    [](const Insn& i) -> Handler { return i.osize == 4 ? pusha32 : nullptr; });
  t.set(ZYDIS_MNEMONIC_POPA, popa, 0, 8);
  t.set(ZYDIS_MNEMONIC_POPAD, popa, 0, 8);
  t.set_specializer(ZYDIS_MNEMONIC_POPAD,
                    [](const Insn& i) -> Handler { return i.osize == 4 ? popa32 : nullptr; });
  t.set(ZYDIS_MNEMONIC_ENTER, enter, 0, 4);
  t.set(ZYDIS_MNEMONIC_LEAVE, leave, 0, 2);
}

}  // namespace pvlab::interp
