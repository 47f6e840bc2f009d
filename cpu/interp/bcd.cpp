// Decimal adjust: DAA, DAS (packed BCD in AL), AAA, AAS, AAM, AAD (unpacked BCD in AX).
//
// The SDM's undefined flags follow the reference CPU (Unicorn 2):
//   DAA/DAS  OF is cleared (SF, ZF, PF describe AL as the SDM says).
//   AAA/AAS  only AF and CF change; OF, SF, ZF, PF keep their values.
//   AAM/AAD  flags as after a logic operation on the new AL: CF = OF = AF = 0.
#include "cpu/interp/groups.h"

namespace pvlab::interp {

namespace {

PVLAB_INLINE void set_al(Cpu& c, uint32_t al) { c.set_reg(EAX, 1, al); }

bool daa(Cpu& c, const Insn&) {
  const uint32_t old_al = c.s.r[EAX] & 0xff;
  const bool old_cf = get_cf(c.s), old_af = get_af(c.s);
  uint32_t al = old_al, f = 0;
  if ((al & 0xf) > 9 || old_af) {
    al = (al + 6) & 0xff;
    f |= fl::AF;
  }
  if (old_al > 0x99 || old_cf) {
    al = (al + 0x60) & 0xff;
    f |= fl::CF;
  }
  set_al(c, al);
  set_arith_flags(c.s, f | szp_flags(al, 1));
  return true;
}

bool das(Cpu& c, const Insn&) {
  const uint32_t old_al = c.s.r[EAX] & 0xff;
  const bool old_cf = get_cf(c.s), old_af = get_af(c.s);
  uint32_t al = old_al, f = 0;
  if ((al & 0xf) > 9 || old_af) {
    f |= fl::AF;
    if (al < 6 || old_cf) f |= fl::CF;
    al = (al - 6) & 0xff;
  }
  if (old_al > 0x99 || old_cf) {
    al = (al - 0x60) & 0xff;
    f |= fl::CF;
  }
  set_al(c, al);
  set_arith_flags(c.s, f | szp_flags(al, 1));
  return true;
}

// AAA (kSub false) and AAS: AX +/- 106H when the low digit needs adjusting, AL's high nibble
// cleared either way.
template <bool kSub>
bool ascii_adjust(Cpu& c, const Insn&) {
  materialize(c.s);
  uint32_t al = c.s.r[EAX] & 0xff, ah = (c.s.r[EAX] >> 8) & 0xff;
  const bool adjust = (al & 0xf) > 9 || (c.s.eflags & fl::AF);
  if (adjust) {
    const uint32_t carry = kSub ? al < 6 : al > 0xf9;
    al = kSub ? al - 6 : al + 6;
    ah = kSub ? ah - 1 - carry : ah + 1 + carry;
    c.s.eflags |= fl::AF | fl::CF;
  } else {
    c.s.eflags &= ~(fl::AF | fl::CF);
  }
  c.set_reg(EAX, 2, ((ah & 0xff) << 8) | (al & 0xf));
  return true;
}

bool aam(Cpu& c, const Insn& i) {
  const uint32_t base = i.imm & 0xff;
  if (base == 0) return c.raise(exc::DE);
  const uint32_t al = c.s.r[EAX] & 0xff;
  const uint32_t q = al / base, r = al % base;
  c.set_reg(EAX, 2, (q << 8) | r);
  set_lazy(c.s, LazyOp::Logic, 1, r, 0, r);
  return true;
}

bool aad(Cpu& c, const Insn& i) {
  const uint32_t base = i.imm & 0xff;
  const uint32_t al = ((c.s.r[EAX] & 0xff) + ((c.s.r[EAX] >> 8) & 0xff) * base) & 0xff;
  c.set_reg(EAX, 2, al);
  set_lazy(c.s, LazyOp::Logic, 1, al, 0, al);
  return true;
}

}  // namespace

void register_bcd(OpTable& t) {
  t.set(ZYDIS_MNEMONIC_DAA, daa);
  t.set(ZYDIS_MNEMONIC_DAS, das);
  t.set(ZYDIS_MNEMONIC_AAA, ascii_adjust<false>);
  t.set(ZYDIS_MNEMONIC_AAS, ascii_adjust<true>);
  t.set(ZYDIS_MNEMONIC_AAM, aam);
  t.set(ZYDIS_MNEMONIC_AAD, aad);
}

}  // namespace pvlab::interp
