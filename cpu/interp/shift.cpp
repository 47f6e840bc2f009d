// Shifts and rotates: SHL/SAL, SHR, SAR, ROL, ROR, RCL, RCR, and the double shifts SHLD, SHRD.
//
// The count comes from an immediate, CL, or is 1; it is masked to five bits, and a masked count
// of zero changes nothing (the memory operand is still read with write intent). SHL, SHR and
// SAR leave their flags lazy (cpu/flags.h); the others write them after the result is stored.
// Flags the SDM leaves undefined follow the reference CPU (Unicorn 2):
//   SHL/SHR/SAR/SHLD/SHRD  AF=0; OF = MSB(t) XOR MSB(result) for any count, where t is the
//                          operand shifted by count-1 (so OF is the SDM value for count 1);
//                          CF is the bit shifted out last, read from t.
//   ROL/ROR                only CF and OF change: ROL CF = LSB(result), OF = MSB XOR CF;
//                          ROR CF = MSB(result), OF = the two top bits XORed.
//   RCL/RCR                only CF and OF change: OF = MSB(operand) XOR MSB(result). The
//                          count is taken modulo 9 / 17 for byte / word operands; a count that
//                          becomes zero changes nothing.
#include "cpu/interp/forms.h"
#include "cpu/interp/groups.h"

namespace pvlab::interp {

namespace {

enum class Sh { Rol, Ror, Rcl, Rcr, Shl, Shr, Sar };

// The count operand: op[1] (imm8 or CL) for the shifts, op[2] for SHLD/SHRD.
PVLAB_INLINE bool load_count(Cpu& c, const Insn& i, unsigned n, uint32_t& count) {
  if (i.nops <= n) {
    count = 1;
    return true;
  }
  if (!c.load(i, n, count)) return false;
  count &= 31;
  return true;
}

// Count forms of op[1] for the specialized handlers: any (looked at when the instruction
// runs), the immediate, CL, or the implicit 1.
struct CountAny {
  static PVLAB_INLINE bool get(Cpu& c, const Insn& i, uint32_t& n) { return load_count(c, i, 1, n); }
};
struct CountImm {
  static PVLAB_INLINE bool get(Cpu&, const Insn& i, uint32_t& n) {
    n = i.imm & 31;
    return true;
  }
};
struct CountCl {
  static PVLAB_INLINE bool get(Cpu& c, const Insn&, uint32_t& n) {
    n = c.s.r[ECX] & 31;
    return true;
  }
};
struct CountOne {
  static PVLAB_INLINE bool get(Cpu&, const Insn&, uint32_t& n) {
    n = 1;
    return true;
  }
};

PVLAB_INLINE uint32_t msb(uint32_t v, unsigned bits) { return (v >> (bits - 1)) & 1; }

// Flags of SHL/SHR/SAR/SHLD/SHRD from the operand shifted by count-1 (`t`) and the result.
PVLAB_INLINE uint32_t shift_flags(uint32_t t, uint32_t res, unsigned sz, bool right) {
  const unsigned bits = 8 * sz;
  uint32_t f = szp_flags(res, sz);
  if (right ? (t & 1) : msb(t, bits)) f |= fl::CF;
  if (msb(t ^ res, bits)) f |= fl::OF;
  return f;
}

template <Sh S>
[[gnu::noinline]] bool shift(Cpu& c, const Insn& i);

// The semantic over a destination accessor D (cpu/interp/forms.h) and a count form C. SHL, SHR
// and SAR leave their flags lazy (LazyOp::Shl / Shr with src1 = t: the same CF, OF, AF = 0
// and SF/ZF/PF of the result as shift_flags gives).
template <Sh S, class D, class C>
PVLAB_INLINE bool shift_impl(Cpu& c, const Insn& i) {
  D d;
  if (!d.prepare(c, i, 0, true)) return shift<S>(c, i);
  uint32_t a, n;
  if (!d.get(c, i, 0, a, true) || !C::get(c, i, n)) return false;
  const unsigned sz = d.size(i, 0), bits = 8 * sz;
  const uint32_t m = size_mask(sz);
  a &= m;
  if ((S == Sh::Rcl || S == Sh::Rcr) && sz < 4) n %= bits + 1;
  if (n == 0) return true;

  // SHL, SHR and SAR return from their case; the rotates change CF and OF only.
  uint32_t res, flags;
  switch (S) {
    case Sh::Shl: {
      const uint32_t t = a << (n - 1);
      res = (t << 1) & m;
      if (!d.put(c, i, 0, res)) return false;
      set_lazy(c.s, LazyOp::Shl, sz, t, 0, res);
      return true;
    }
    case Sh::Shr: {
      const uint32_t t = a >> (n - 1);
      res = t >> 1;
      if (!d.put(c, i, 0, res)) return false;
      set_lazy(c.s, LazyOp::Shr, sz, t, 0, res);
      return true;
    }
    case Sh::Sar: {
      const int32_t sa = sz == 1 ? int8_t(a) : sz == 2 ? int16_t(a) : int32_t(a);
      const uint32_t t = uint32_t(sa >> (n - 1));
      res = uint32_t(int32_t(t) >> 1) & m;
      if (!d.put(c, i, 0, res)) return false;
      set_lazy(c.s, LazyOp::Shr, sz, t, 0, res);
      return true;
    }
    case Sh::Rol: {
      const unsigned k = n & (bits - 1);
      res = k ? ((a << k) | (a >> (bits - k))) & m : a;
      const uint32_t cf = res & 1;
      flags = (cf ? fl::CF : 0) | ((msb(res, bits) ^ cf) ? fl::OF : 0);
      break;
    }
    case Sh::Ror: {
      const unsigned k = n & (bits - 1);
      res = k ? ((a >> k) | (a << (bits - k))) & m : a;
      flags = (msb(res, bits) ? fl::CF : 0) | ((msb(res, bits) ^ msb(res, bits - 1)) ? fl::OF : 0);
      break;
    }
    case Sh::Rcl: {
      // Rotate the (bits+1)-bit value CF:a left by n (1 <= n <= bits).
      const uint32_t cf = get_cf(c.s);
      res = (a << n) | (cf << (n - 1));
      if (n > 1) res |= a >> (bits + 1 - n);
      res &= m;
      flags = (((a >> (bits - n)) & 1) ? fl::CF : 0) | (msb(a ^ res, bits) ? fl::OF : 0);
      break;
    }
    case Sh::Rcr: {
      const uint32_t cf = get_cf(c.s);
      res = (a >> n) | (cf << (bits - n));
      if (n > 1) res |= a << (bits + 1 - n);
      res &= m;
      flags = (((a >> (n - 1)) & 1) ? fl::CF : 0) | (msb(a ^ res, bits) ? fl::OF : 0);
      break;
    }
  }
  if (!d.put(c, i, 0, res)) return false;
  materialize(c.s);
  c.s.eflags = (c.s.eflags & ~(fl::CF | fl::OF)) | flags;
  return true;
}

template <Sh S>
bool shift(Cpu& c, const Insn& i) {
  return shift_impl<S, form::Any, CountAny>(c, i);
}

template <Sh S, class C>
struct ShiftBy {
  template <class D>
  struct F {
    static bool run(Cpu& c, const Insn& i) { return shift_impl<S, D, C>(c, i); }
  };
};

// A handler with the destination form and the count form fixed, or nullptr.
template <Sh S>
Handler specialize_shift(const Insn& i) {
  if (i.nops < 2) return form::pick_rm<ShiftBy<S, CountOne>::template F>(i, 0);
  const Operand& k = i.op[1];
  if (k.kind == OpKind::Imm && k.imm_index == 0)
    return form::pick_rm<ShiftBy<S, CountImm>::template F>(i, 0);
  if (k.kind == OpKind::Reg && k.size == 1 && k.reg == ECX)  // CL
    return form::pick_rm<ShiftBy<S, CountCl>::template F>(i, 0);
  return nullptr;
}

// SHLD / SHRD: dest op[0], source op[1], count op[2]. The operands are joined into one wide
// value that is shifted as a whole: source:dest for SHRD, dest:source for SHLD. A word operand
// with a count above 16 behaves as the reference CPU does: the value
// dest:source:dest is shifted, so the destination word feeds in again.
template <bool kRight>
bool shift_double(Cpu& c, const Insn& i) {
  uint32_t a, b, n;
  if (!c.load(i, 0, a, true) || !c.load(i, 1, b) || !load_count(c, i, 2, n)) return false;
  if (n == 0) return true;
  const unsigned sz = i.op[0].size;
  uint64_t v;
  if (sz == 4) {
    v = kRight ? (uint64_t(b) << 32) | a : (uint64_t(a) << 32) | b;
  } else {
    a &= 0xffff;
    b &= 0xffff;
    v = (uint64_t(a) << 32) | (b << 16) | a;
  }
  // t: the value shifted by count-1, whose edge bit is the last one shifted out.
  uint32_t t, res;
  if (kRight) {
    t = uint32_t(v >> (n - 1));
    res = uint32_t(v >> n);
  } else {
    t = uint32_t((v << (n - 1)) >> 32);
    res = uint32_t((v << n) >> 32);
  }
  res &= size_mask(sz);
  if (!c.store(i, 0, res)) return false;
  set_arith_flags(c.s, shift_flags(t, res, sz, kRight));
  return true;
}

}  // namespace

void register_shift(OpTable& t) {
  t.set(ZYDIS_MNEMONIC_SHL, shift<Sh::Shl>);
  t.set_specializer(ZYDIS_MNEMONIC_SHL, specialize_shift<Sh::Shl>);
  t.set(ZYDIS_MNEMONIC_SHR, shift<Sh::Shr>);
  t.set_specializer(ZYDIS_MNEMONIC_SHR, specialize_shift<Sh::Shr>);
  t.set(ZYDIS_MNEMONIC_SAR, shift<Sh::Sar>);
  t.set_specializer(ZYDIS_MNEMONIC_SAR, specialize_shift<Sh::Sar>);
  t.set(ZYDIS_MNEMONIC_ROL, shift<Sh::Rol>);
  t.set(ZYDIS_MNEMONIC_ROR, shift<Sh::Ror>);
  t.set(ZYDIS_MNEMONIC_RCL, shift<Sh::Rcl>);
  t.set(ZYDIS_MNEMONIC_RCR, shift<Sh::Rcr>);
  t.set(ZYDIS_MNEMONIC_SHLD, shift_double<false>);
  t.set(ZYDIS_MNEMONIC_SHRD, shift_double<true>);
}

}  // namespace pvlab::interp
