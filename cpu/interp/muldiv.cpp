// Multiply and divide: MUL, IMUL (one, two and three operands), DIV, IDIV, and the sign
// extensions CBW, CWDE, CWD, CDQ.
//
// MUL and IMUL set CF = OF = "the product does not fit the destination"; the flags the SDM
// leaves undefined follow the reference CPU (Unicorn 2): SF, ZF and PF describe the low half
// of the product (the destination), AF is cleared. DIV and IDIV leave every flag unchanged
// and raise #DE for a zero divisor or a quotient that does not fit, before writing anything.
#include "cpu/interp/groups.h"

namespace pvlab::interp {

namespace {

PVLAB_INLINE int32_t sext(uint32_t v, unsigned sz) {
  return sz == 1 ? int8_t(v) : sz == 2 ? int16_t(v) : int32_t(v);
}

PVLAB_INLINE void mul_flags(Cpu& c, uint32_t low, unsigned sz, bool overflow) {
  set_arith_flags(c.s, szp_flags(low, sz) | (overflow ? fl::CF | fl::OF : 0));
}

// The accumulator pair of a one-operand multiply or divide: AX (byte), DX:AX, EDX:EAX.
PVLAB_INLINE uint64_t acc_wide(const Cpu& c, unsigned sz) {
  if (sz == 1) return c.s.r[EAX] & 0xffff;
  if (sz == 2) return ((c.s.r[EDX] & 0xffff) << 16) | (c.s.r[EAX] & 0xffff);
  return (uint64_t(c.s.r[EDX]) << 32) | c.s.r[EAX];
}

// Write a double-width product: AX, DX:AX or EDX:EAX.
PVLAB_INLINE void set_acc_wide(Cpu& c, unsigned sz, uint64_t v) {
  if (sz == 1) {
    c.set_reg(EAX, 2, uint32_t(v));
  } else if (sz == 2) {
    c.set_reg(EAX, 2, uint32_t(v));
    c.set_reg(EDX, 2, uint32_t(v >> 16));
  } else {
    c.s.r[EAX] = uint32_t(v);
    c.s.r[EDX] = uint32_t(v >> 32);
  }
}

bool mul(Cpu& c, const Insn& i) {
  uint32_t b;
  if (!c.load(i, 0, b)) return false;
  const unsigned sz = i.op[0].size;
  const uint32_t m = size_mask(sz);
  const uint64_t p = uint64_t(c.s.r[EAX] & m) * (b & m);
  set_acc_wide(c, sz, p);
  mul_flags(c, uint32_t(p), sz, (p >> (8 * sz)) != 0);
  return true;
}

bool imul(Cpu& c, const Insn& i) {
  if (i.nops == 1) {  // AX / DX:AX / EDX:EAX = accumulator * r/m
    uint32_t b;
    if (!c.load(i, 0, b)) return false;
    const unsigned sz = i.op[0].size;
    const int64_t p = int64_t(sext(c.s.r[EAX], sz)) * sext(b, sz);
    set_acc_wide(c, sz, uint64_t(p));
    mul_flags(c, uint32_t(p), sz, p != sext(uint32_t(p), sz));
    return true;
  }
  // Two operands: dest *= r/m. Three: dest = r/m * imm.
  uint32_t a, b;
  if (!c.load(i, 1, a) || !c.load(i, i.nops == 3 ? 2 : 0, b)) return false;
  const unsigned sz = i.op[0].size;
  const int64_t p = int64_t(sext(a, sz)) * sext(b, sz);
  const uint32_t r = uint32_t(p) & size_mask(sz);
  c.set_reg(i.op[0].reg, sz, r);
  mul_flags(c, r, sz, p != sext(r, sz));
  return true;
}

bool div(Cpu& c, const Insn& i) {
  uint32_t d;
  if (!c.load(i, 0, d)) return false;
  const unsigned sz = i.op[0].size;
  d &= size_mask(sz);
  if (d == 0) return c.raise(exc::DE);
  const uint64_t n = acc_wide(c, sz);
  const uint64_t q = n / d, r = n % d;
  if (q > size_mask(sz)) return c.raise(exc::DE);
  if (sz == 1) {
    c.set_reg(EAX, 2, uint32_t((r << 8) | q));
  } else {
    c.set_reg(EAX, sz, uint32_t(q));
    c.set_reg(EDX, sz, uint32_t(r));
  }
  return true;
}

bool idiv(Cpu& c, const Insn& i) {
  uint32_t dv;
  if (!c.load(i, 0, dv)) return false;
  const unsigned sz = i.op[0].size;
  const int64_t d = sext(dv, sz);
  if (d == 0) return c.raise(exc::DE);
  const uint64_t raw = acc_wide(c, sz);
  const int64_t n = sz == 1 ? int16_t(raw) : sz == 2 ? int32_t(raw) : int64_t(raw);
  // -2^63 / -1 does not fit (and must not reach the host's divide).
  if (d == -1 && n == INT64_MIN) return c.raise(exc::DE);
  const int64_t q = n / d, r = n % d;
  const int64_t lim = int64_t(1) << (8 * sz - 1);
  if (q < -lim || q >= lim) return c.raise(exc::DE);
  if (sz == 1) {
    c.set_reg(EAX, 2, ((uint32_t(r) & 0xff) << 8) | (uint32_t(q) & 0xff));
  } else {
    c.set_reg(EAX, sz, uint32_t(q));
    c.set_reg(EDX, sz, uint32_t(r));
  }
  return true;
}

bool cbw(Cpu& c, const Insn&) {
  c.set_reg(EAX, 2, uint32_t(int8_t(c.s.r[EAX])));
  return true;
}

bool cwde(Cpu& c, const Insn&) {
  c.s.r[EAX] = uint32_t(int32_t(int16_t(c.s.r[EAX])));
  return true;
}

bool cwd(Cpu& c, const Insn&) {
  c.set_reg(EDX, 2, (c.s.r[EAX] & 0x8000) ? 0xffff : 0);
  return true;
}

bool cdq(Cpu& c, const Insn&) {
  c.s.r[EDX] = (c.s.r[EAX] & 0x80000000u) ? 0xffffffffu : 0;
  return true;
}

}  // namespace

void register_muldiv(OpTable& t) {
  t.set(ZYDIS_MNEMONIC_MUL, mul, 0, 4);
  t.set(ZYDIS_MNEMONIC_IMUL, imul, 0, 4);
  t.set(ZYDIS_MNEMONIC_DIV, div, 0, 20);
  t.set(ZYDIS_MNEMONIC_IDIV, idiv, 0, 20);
  t.set(ZYDIS_MNEMONIC_CBW, cbw);
  t.set(ZYDIS_MNEMONIC_CWDE, cwde);
  t.set(ZYDIS_MNEMONIC_CWD, cwd);
  t.set(ZYDIS_MNEMONIC_CDQ, cdq);
}

}  // namespace pvlab::interp
