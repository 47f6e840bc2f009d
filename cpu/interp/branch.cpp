// Near control transfers: JMP, Jcc, CALL, RET, LOOP/LOOPE/LOOPNE, JCXZ/JECXZ.
#include "cpu/interp/forms.h"
#include "cpu/interp/groups.h"

namespace pvlab::interp {

namespace {

// Jump within CS to `target` (already truncated to the operand size): #GP(0) beyond the limit.
PVLAB_INLINE bool jump_near(Cpu& c, uint32_t target) {
  if (target > c.s.seg[CS].limit) return c.gp(0);
  c.next_eip = target;
  return true;
}

PVLAB_INLINE uint32_t rel_target(const Cpu& c, const Insn& i) {
  uint32_t t = c.next_eip + i.imm;
  return i.osize == 2 ? (t & 0xffff) : t;
}

// Absolute target of JMP/CALL r/m (operand) or relative target.
PVLAB_INLINE bool branch_target(Cpu& c, const Insn& i, uint32_t& t) {
  if (i.op[0].kind == OpKind::Rel) {
    t = rel_target(c, i);
    return true;
  }
  if (!c.load(i, 0, t)) return false;
  if (i.osize == 2) t &= 0xffff;
  return true;
}

bool jmp(Cpu& c, const Insn& i) {
  uint32_t t;
  if (!branch_target(c, i, t)) return false;
  return jump_near(c, t);
}

bool jmp_rel(Cpu& c, const Insn& i) { return jump_near(c, rel_target(c, i)); }

bool jcc(Cpu& c, const Insn& i) {
  if (!c.cond(i.opcode & 0xf)) return true;
  return jump_near(c, rel_target(c, i));
}

// Jcc with its condition fixed when decoded (the generic one reads it from the opcode).
template <unsigned kCc>
bool jcc_cc(Cpu& c, const Insn& i) {
  if (!eval_cond(c.s, kCc)) return true;
  return jump_near(c, rel_target(c, i));
}

template <unsigned... kCc>
constexpr Handler kJccByCond[] = {jcc_cc<kCc>...};

Handler specialize_jcc(const Insn& i) {
  static constexpr const Handler* table =
      kJccByCond<0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15>;
  return table[i.opcode & 0xf];
}

[[gnu::noinline]] bool call(Cpu& c, const Insn& i) {
  uint32_t t;
  if (!branch_target(c, i, t)) return false;
  if (t > c.s.seg[CS].limit) return c.gp(0);
  if (!c.push(c.next_eip, i.osize)) return false;
  c.next_eip = t;
  return true;
}

[[gnu::noinline]] bool ret(Cpu& c, const Insn& i) {
  uint32_t t;
  if (!c.stack_read(0, i.osize, t)) return false;
  if (i.osize == 2) t &= 0xffff;
  if (t > c.s.seg[CS].limit) return c.gp(0);
  uint32_t extra = i.nops ? (i.imm & 0xffff) : 0;
  c.set_sp(c.sp() + i.osize + extra);
  c.next_eip = t;
  return true;
}

// CALL rel32 and RET [imm16] with a 32-bit operand size on a 32-bit flat stack: the return
// address moves through one host pointer; anything else takes the generic handlers above.
bool call_rel32(Cpu& c, const Insn& i) {
  paddr_t pa;
  uint8_t* p = form::stack_host(c, 0u - 4, 4, true, pa);
  if (!p) return call(c, i);
  const uint32_t t = c.next_eip + i.imm;
  if (t > c.s.seg[CS].limit) return c.gp(0);
  Cpu::store_host(p, 4, c.next_eip);
  c.s.r[ESP] -= 4;
  c.next_eip = t;
  return form::wrote(c, pa, 4);
}

bool ret32(Cpu& c, const Insn& i) {
  paddr_t pa;
  const uint8_t* p = form::stack_host(c, 0, 4, false, pa);
  if (!p) return ret(c, i);
  const uint32_t t = Cpu::load_host(p, 4);
  if (t > c.s.seg[CS].limit) return c.gp(0);
  c.s.r[ESP] += 4 + (i.nops ? (i.imm & 0xffff) : 0);
  c.next_eip = t;
  return true;
}

// LOOP family and JCXZ use CX or ECX by address size.
PVLAB_INLINE uint32_t count_reg(const Cpu& c, const Insn& i) {
  return i.asize == 2 ? (c.s.r[ECX] & 0xffff) : c.s.r[ECX];
}

template <int kKind>  // 0 LOOP, 1 LOOPE, 2 LOOPNE
bool loop(Cpu& c, const Insn& i) {
  uint32_t n = count_reg(c, i) - 1;
  if (i.asize == 2) c.set_reg(ECX, 2, n);
  else c.s.r[ECX] = n;
  if (i.asize == 2) n &= 0xffff;
  bool take = n != 0;
  if (kKind == 1) take = take && get_zf(c.s);
  if (kKind == 2) take = take && !get_zf(c.s);
  if (!take) return true;
  return jump_near(c, rel_target(c, i));
}

bool jcxz(Cpu& c, const Insn& i) {
  if (count_reg(c, i) != 0) return true;
  return jump_near(c, rel_target(c, i));
}

}  // namespace

void register_branch(OpTable& t) {
  constexpr uint16_t E = iflag::ENDS_BLOCK;
  t.set(ZYDIS_MNEMONIC_JMP, jmp, E);
  t.set_specializer(ZYDIS_MNEMONIC_JMP, [](const Insn& i) -> Handler {
    return i.op[0].kind == OpKind::Rel ? jmp_rel : nullptr;
  });
  for (auto m : {ZYDIS_MNEMONIC_JO, ZYDIS_MNEMONIC_JNO, ZYDIS_MNEMONIC_JB, ZYDIS_MNEMONIC_JNB,
                 ZYDIS_MNEMONIC_JZ, ZYDIS_MNEMONIC_JNZ, ZYDIS_MNEMONIC_JBE, ZYDIS_MNEMONIC_JNBE,
                 ZYDIS_MNEMONIC_JS, ZYDIS_MNEMONIC_JNS, ZYDIS_MNEMONIC_JP, ZYDIS_MNEMONIC_JNP,
                 ZYDIS_MNEMONIC_JL, ZYDIS_MNEMONIC_JNL, ZYDIS_MNEMONIC_JLE, ZYDIS_MNEMONIC_JNLE}) {
    t.set(m, jcc, E);
    t.set_specializer(m, specialize_jcc);
  }
  t.set(ZYDIS_MNEMONIC_CALL, call, E, 2);
  t.set_specializer(ZYDIS_MNEMONIC_CALL, [](const Insn& i) -> Handler {
    return i.osize == 4 && i.op[0].kind == OpKind::Rel ? call_rel32 : nullptr;
  });
  t.set(ZYDIS_MNEMONIC_RET, ret, E, 2);
  t.set_specializer(ZYDIS_MNEMONIC_RET, [](const Insn& i) -> Handler {
    return i.osize == 4 ? ret32 : nullptr;
  });
  t.set(ZYDIS_MNEMONIC_LOOP, loop<0>, E);
  t.set(ZYDIS_MNEMONIC_LOOPE, loop<1>, E);
  t.set(ZYDIS_MNEMONIC_LOOPNE, loop<2>, E);
  t.set(ZYDIS_MNEMONIC_JCXZ, jcxz, E);
  t.set(ZYDIS_MNEMONIC_JECXZ, jcxz, E);
}

}  // namespace pvlab::interp
