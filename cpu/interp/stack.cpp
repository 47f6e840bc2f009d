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
#include "cpu/interp/groups.h"

namespace pvlab::interp {

namespace {

// PUSH r/m, imm, sreg. PUSH ESP pushes the value ESP had before the instruction.
bool push(Cpu& c, const Insn& i) {
  uint32_t v;
  if (!c.load(i, 0, v)) return false;
  return c.push(v, i.osize);
}

// POP r/m, sreg. POP ESP leaves the popped value in ESP; a memory destination addressed
// through ESP uses ESP after the increment. POP SS holds off interrupts for one instruction
// (Cpu::load_seg).
bool pop(Cpu& c, const Insn& i) {
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
bool pusha(Cpu& c, const Insn& i) {
  const unsigned n = i.osize;
  for (unsigned r = 0; r < 8; ++r) {
    if (!c.stack_write(0u - n * (r + 1), n, c.s.r[r])) return false;
  }
  c.set_sp(c.sp() - 8 * n);
  return true;
}

// POPA/POPAD: the reverse order, from the top of the stack (EDI) up; the ESP slot is
// skipped. Each register is loaded as its slot is read and ESP moves only at the end: a fault
// part-way leaves the registers already popped loaded, as processors do (the instruction
// restarts with ESP unchanged and pops them again).
bool popa(Cpu& c, const Insn& i) {
  const unsigned n = i.osize;
  for (int r = EDI; r >= EAX; --r) {
    if (r == ESP) continue;
    uint32_t v;
    if (!c.stack_read(n * (EDI - r), n, v)) return false;
    c.set_reg(unsigned(r), n, v);
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

}  // namespace

void register_stack(OpTable& t) {
  t.set(ZYDIS_MNEMONIC_PUSH, push);
  t.set(ZYDIS_MNEMONIC_POP, pop);
  t.set(ZYDIS_MNEMONIC_PUSHA, pusha, 0, 8);
  t.set(ZYDIS_MNEMONIC_PUSHAD, pusha, 0, 8);
  t.set(ZYDIS_MNEMONIC_POPA, popa, 0, 8);
  t.set(ZYDIS_MNEMONIC_POPAD, popa, 0, 8);
  t.set(ZYDIS_MNEMONIC_ENTER, enter, 0, 4);
  t.set(ZYDIS_MNEMONIC_LEAVE, leave, 0, 2);
}

}  // namespace pvlab::interp
