// Near control transfers: JMP, Jcc, CALL, RET, LOOP/LOOPE/LOOPNE, JCXZ/JECXZ.
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

bool jcc(Cpu& c, const Insn& i) {
  if (!c.cond(i.opcode & 0xf)) return true;
  return jump_near(c, rel_target(c, i));
}

bool call(Cpu& c, const Insn& i) {
  uint32_t t;
  if (!branch_target(c, i, t)) return false;
  if (t > c.s.seg[CS].limit) return c.gp(0);
  if (!c.push(c.next_eip, i.osize)) return false;
  c.next_eip = t;
  return true;
}

bool ret(Cpu& c, const Insn& i) {
  uint32_t t;
  if (!c.stack_read(0, i.osize, t)) return false;
  if (i.osize == 2) t &= 0xffff;
  if (t > c.s.seg[CS].limit) return c.gp(0);
  uint32_t extra = i.nops ? (i.imm & 0xffff) : 0;
  c.set_sp(c.sp() + i.osize + extra);
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
  for (auto m : {ZYDIS_MNEMONIC_JO, ZYDIS_MNEMONIC_JNO, ZYDIS_MNEMONIC_JB, ZYDIS_MNEMONIC_JNB,
                 ZYDIS_MNEMONIC_JZ, ZYDIS_MNEMONIC_JNZ, ZYDIS_MNEMONIC_JBE, ZYDIS_MNEMONIC_JNBE,
                 ZYDIS_MNEMONIC_JS, ZYDIS_MNEMONIC_JNS, ZYDIS_MNEMONIC_JP, ZYDIS_MNEMONIC_JNP,
                 ZYDIS_MNEMONIC_JL, ZYDIS_MNEMONIC_JNL, ZYDIS_MNEMONIC_JLE, ZYDIS_MNEMONIC_JNLE})
    t.set(m, jcc, E);
  t.set(ZYDIS_MNEMONIC_CALL, call, E, 2);
  t.set(ZYDIS_MNEMONIC_RET, ret, E, 2);
  t.set(ZYDIS_MNEMONIC_LOOP, loop<0>, E);
  t.set(ZYDIS_MNEMONIC_LOOPE, loop<1>, E);
  t.set(ZYDIS_MNEMONIC_LOOPNE, loop<2>, E);
  t.set(ZYDIS_MNEMONIC_JCXZ, jcxz, E);
  t.set(ZYDIS_MNEMONIC_JECXZ, jcxz, E);
}

}  // namespace pvlab::interp
