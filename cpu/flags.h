// Lazy arithmetic flags. Flag-setting ALU operations and the shifts SHL, SHR and SAR record
// their inputs and result in CpuState::lf; CF, PF, AF, ZF, SF and OF are computed only when
// something reads them. Instructions that set flags some other way materialize first and
// write EFLAGS directly.
#pragma once
#include "cpu/state.h"
#include "mmu/types.h"

namespace pvlab {

PVLAB_INLINE constexpr uint32_t size_mask(unsigned size) {
  return size == 4 ? 0xffffffffu : (1u << (8 * size)) - 1;
}
PVLAB_INLINE constexpr uint32_t sign_bit(unsigned size) { return 1u << (8 * size - 1); }

PVLAB_INLINE bool parity_even(uint32_t v) { return !__builtin_parity(v & 0xff); }

// Individual flags from the lazy record.
PVLAB_INLINE bool lazy_cf(const LazyFlags& f) {
  const uint32_t m = size_mask(f.size);
  switch (f.op) {
    case LazyOp::Add: return (f.res & m) < (f.src1 & m);
    case LazyOp::Adc: return f.carry ? (f.res & m) <= (f.src1 & m) : (f.res & m) < (f.src1 & m);
    case LazyOp::Sub: return (f.src1 & m) < (f.src2 & m);
    case LazyOp::Sbb:
      return f.carry ? (f.src1 & m) <= (f.src2 & m) : (f.src1 & m) < (f.src2 & m);
    case LazyOp::Logic: return false;
    case LazyOp::Inc:
    case LazyOp::Dec: return f.carry;
    case LazyOp::Neg: return (f.src1 & m) != 0;
    case LazyOp::Shl: return (f.src1 & sign_bit(f.size)) != 0;  // the last bit shifted out
    case LazyOp::Shr: return (f.src1 & 1) != 0;
    case LazyOp::None: break;
  }
  return false;
}

PVLAB_INLINE bool lazy_of(const LazyFlags& f) {
  const uint32_t sb = sign_bit(f.size);
  switch (f.op) {
    case LazyOp::Add:
    case LazyOp::Adc: return ((f.src1 ^ f.res) & (f.src2 ^ f.res) & sb) != 0;
    case LazyOp::Sub:
    case LazyOp::Sbb: return ((f.src1 ^ f.src2) & (f.src1 ^ f.res) & sb) != 0;
    case LazyOp::Inc: return (f.res & size_mask(f.size)) == sb;
    case LazyOp::Dec: return (f.res & size_mask(f.size)) == sb - 1;
    case LazyOp::Neg: return (f.res & size_mask(f.size)) == sb;
    case LazyOp::Shl:
    case LazyOp::Shr: return ((f.src1 ^ f.res) & sb) != 0;
    case LazyOp::Logic:
    case LazyOp::None: break;
  }
  return false;
}

PVLAB_INLINE bool lazy_af(const LazyFlags& f) {
  switch (f.op) {
    case LazyOp::Add: case LazyOp::Adc: case LazyOp::Sub: case LazyOp::Sbb:
      return ((f.src1 ^ f.src2 ^ f.res) & 0x10) != 0;
    case LazyOp::Inc: case LazyOp::Dec: case LazyOp::Neg:
      return ((f.src1 ^ f.res) & 0x10) != 0;
    case LazyOp::Logic: case LazyOp::Shl: case LazyOp::Shr: case LazyOp::None: break;
  }
  return false;
}

PVLAB_INLINE bool lazy_zf(const LazyFlags& f) { return (f.res & size_mask(f.size)) == 0; }
PVLAB_INLINE bool lazy_sf(const LazyFlags& f) { return (f.res & sign_bit(f.size)) != 0; }

PVLAB_INLINE uint32_t lazy_arith(const LazyFlags& f) {
  uint32_t v = 0;
  if (lazy_cf(f)) v |= fl::CF;
  if (parity_even(f.res)) v |= fl::PF;
  if (lazy_af(f)) v |= fl::AF;
  if (lazy_zf(f)) v |= fl::ZF;
  if (lazy_sf(f)) v |= fl::SF;
  if (lazy_of(f)) v |= fl::OF;
  return v;
}

PVLAB_INLINE uint32_t eflags_of(const CpuState& s) {
  if (s.lf.op == LazyOp::None) return s.eflags;
  return (s.eflags & ~fl::kArith) | lazy_arith(s.lf);
}

// Fold the lazy record into EFLAGS.
PVLAB_INLINE void materialize(CpuState& s) {
  if (s.lf.op != LazyOp::None) {
    s.eflags = (s.eflags & ~fl::kArith) | lazy_arith(s.lf);
    s.lf.op = LazyOp::None;
  }
}

PVLAB_INLINE bool get_cf(const CpuState& s) {
  return s.lf.op == LazyOp::None ? (s.eflags & fl::CF) != 0 : lazy_cf(s.lf);
}
PVLAB_INLINE bool get_zf(const CpuState& s) {
  return s.lf.op == LazyOp::None ? (s.eflags & fl::ZF) != 0 : lazy_zf(s.lf);
}
PVLAB_INLINE bool get_sf(const CpuState& s) {
  return s.lf.op == LazyOp::None ? (s.eflags & fl::SF) != 0 : lazy_sf(s.lf);
}
PVLAB_INLINE bool get_of(const CpuState& s) {
  return s.lf.op == LazyOp::None ? (s.eflags & fl::OF) != 0 : lazy_of(s.lf);
}
PVLAB_INLINE bool get_pf(const CpuState& s) {
  return s.lf.op == LazyOp::None ? (s.eflags & fl::PF) != 0 : parity_even(s.lf.res);
}
PVLAB_INLINE bool get_af(const CpuState& s) {
  return s.lf.op == LazyOp::None ? (s.eflags & fl::AF) != 0 : lazy_af(s.lf);
}

// Record a flag-setting operation.
PVLAB_INLINE void set_lazy(CpuState& s, LazyOp op, unsigned size, uint32_t src1, uint32_t src2,
                           uint32_t res, bool carry = false) {
  s.lf.op = op;
  s.lf.size = uint8_t(size);
  s.lf.src1 = src1;
  s.lf.src2 = src2;
  s.lf.res = res;
  s.lf.carry = carry;
}

// Write the six arithmetic flags eagerly (shifts, multiplies, BCD, ...).
PVLAB_INLINE void set_arith_flags(CpuState& s, uint32_t value) {
  s.eflags = (s.eflags & ~fl::kArith) | (value & fl::kArith);
  s.lf.op = LazyOp::None;
}

// SF, ZF and PF of a result, for eager flag computations.
PVLAB_INLINE uint32_t szp_flags(uint32_t res, unsigned size) {
  uint32_t v = 0;
  if ((res & size_mask(size)) == 0) v |= fl::ZF;
  if (res & sign_bit(size)) v |= fl::SF;
  if (parity_even(res)) v |= fl::PF;
  return v;
}

// Condition codes 0..15 in the Jcc / SETcc / CMOVcc encoding order.
PVLAB_INLINE bool eval_cond(const CpuState& s, unsigned cc) {
  bool r;
  switch (cc >> 1) {
    case 0: r = get_of(s); break;                                  // O
    case 1: r = get_cf(s); break;                                  // B
    case 2: r = get_zf(s); break;                                  // Z
    case 3: r = get_cf(s) || get_zf(s); break;                     // BE
    case 4: r = get_sf(s); break;                                  // S
    case 5: r = get_pf(s); break;                                  // P
    case 6: r = get_sf(s) != get_of(s); break;                     // L
    default: r = get_zf(s) || (get_sf(s) != get_of(s)); break;     // LE
  }
  return r != (cc & 1);
}

}  // namespace pvlab
