// Operand forms for specialized handlers. A semantic written once as a template over operand
// accessors runs as the generic handler (Any: the operand kind is looked at when the
// instruction runs) and as handlers whose operand access was fixed when the instruction was
// decoded (Reg<N>, Mem<N>, Imm for N = 1, 2 or 4 bytes). The decoder picks one through an
// OpTable specializer.
//
// Every accessor is an object with the same four members:
//   prepare(c, i, n, write)  before anything is read or written. Fixed forms that cannot
//                            finish on the fast path return false; the handler then runs
//                            its generic form from the start instead, which does
//                            everything (segment checks, TLB walk, faults) the full way.
//   size(i, n)               the operand size in bytes;
//   get(c, i, n, v, rmw)     read the operand (rmw: the read of a read-modify-write);
//   put(c, i, n, v)          write it.
// Mem<N> prepares by asking Cpu::fast_host for a host pointer (flat segment, D-TLB front
// hit), so a handler's fast path makes no calls and falls back with a tail call. The
// generic handlers are marked noinline so that the fallback stays a jump and the fast path
// needs no stack frame.
#pragma once
#include "cpu/cpu.h"

namespace pvlab::interp::form {

// Any operand kind and size, resolved at run time.
struct Any {
  static PVLAB_INLINE bool prepare(Cpu&, const Insn&, unsigned, bool) { return true; }
  static PVLAB_INLINE unsigned size(const Insn& i, unsigned n) { return i.op[n].size; }
  static PVLAB_INLINE bool get(Cpu& c, const Insn& i, unsigned n, uint32_t& v, bool rmw) {
    return c.load(i, n, v, rmw);
  }
  static PVLAB_INLINE bool put(Cpu& c, const Insn& i, unsigned n, uint32_t v) {
    return c.store(i, n, v);
  }
};

// The effective address of an instruction with 32-bit addressing (Cpu::ea without the wrap
// to 16 bits): the forms below that use it are picked only for 32-bit addressing.
PVLAB_INLINE uint32_t ea32(const Cpu& c, const Insn& i) {
  uint32_t a = i.mem.disp;
  if (i.mem.base != 0xff) a += c.s.r[i.mem.base];
  if (i.mem.index != 0xff) a += c.s.r[i.mem.index] << i.mem.scale;
  return a;
}

// After a store through a Cpu::fast_host pointer (one page): tell the bus when that frame
// holds decoded code. The common case is one test; the rare one is a call of its own, at the
// end of the caller, so fast paths need no stack frame.
[[gnu::noinline]] inline bool note_code_write(Cpu& c, paddr_t pa, unsigned size) {
  c.bus().note_tlb_write(pa, size);
  return true;
}
PVLAB_INLINE bool wrote(Cpu& c, paddr_t pa, unsigned size) {
  if (PVLAB_UNLIKELY(c.bus().ram().is_code(pa >> kPageShift))) return note_code_write(c, pa, size);
  return true;
}

// A general register of N bytes (for N = 1 the AL..BH encoding).
template <unsigned N>
struct Reg {
  static PVLAB_INLINE bool prepare(Cpu&, const Insn&, unsigned, bool) { return true; }
  static constexpr unsigned size(const Insn&, unsigned) { return N; }
  static PVLAB_INLINE bool get(Cpu& c, const Insn& i, unsigned n, uint32_t& v, bool) {
    v = c.reg(i.op[n].reg, N);
    return true;
  }
  static PVLAB_INLINE bool put(Cpu& c, const Insn& i, unsigned n, uint32_t v) {
    c.set_reg(i.op[n].reg, N, v);
    return true;
  }
};

// The instruction's memory operand, N bytes, through a host pointer found by prepare().
// Picked only for 32-bit addressing.
template <unsigned N>
struct Mem {
  uint8_t* host = nullptr;
  paddr_t pa = 0;
  PVLAB_INLINE bool prepare(Cpu& c, const Insn& i, unsigned, bool write) {
    host = c.fast_host(i.mem.seg, ea32(c, i), N, write, pa);
    return host != nullptr;
  }
  static constexpr unsigned size(const Insn&, unsigned) { return N; }
  PVLAB_INLINE bool get(Cpu&, const Insn&, unsigned, uint32_t& v, bool) const {
    v = Cpu::load_host(host, N);
    return true;
  }
  PVLAB_INLINE bool put(Cpu& c, const Insn&, unsigned, uint32_t v) const {
    Cpu::store_host(host, N, v);
    return wrote(c, pa, N);
  }
};

// The first immediate (already sign- or zero-extended by the decoder; handlers truncate).
struct Imm {
  static PVLAB_INLINE bool prepare(Cpu&, const Insn&, unsigned, bool) { return true; }
  static constexpr unsigned size(const Insn&, unsigned) { return 4; }
  static PVLAB_INLINE bool get(Cpu&, const Insn& i, unsigned, uint32_t& v, bool) {
    v = i.imm;
    return true;
  }
  static PVLAB_INLINE bool put(Cpu&, const Insn&, unsigned, uint32_t) { return true; }
};

// The host pointer for `size` bytes of a 32-bit stack at ESP + off (off may be negative),
// or nullptr when the access needs the full path (see Cpu::fast_host, also for `accesses`).
PVLAB_INLINE uint8_t* stack_host(Cpu& c, uint32_t off, unsigned size, bool write, paddr_t& pa,
                                 unsigned accesses = 1) {
  if (!c.s.seg[SS].big()) return nullptr;
  return c.fast_host(SS, c.s.r[ESP] + off, size, write, pa, accesses);
}

using Reg32 = Reg<4>;
using Mem32 = Mem<4>;
using Imm32 = Imm;

// Pick F<D, S> for a two-operand instruction whose operands are of size N (a source
// immediate may be narrower: it was extended when decoded).
template <template <class, class> class F, unsigned N>
Handler pick2_sized(const Insn& i) {
  const Operand &d = i.op[0], &s = i.op[1];
  const bool imm = s.kind == OpKind::Imm && s.imm_index == 0;
  if (d.kind == OpKind::Reg) {
    if (s.kind == OpKind::Reg && s.size == N) return F<Reg<N>, Reg<N>>::run;
    if (s.kind == OpKind::Mem && s.size == N && i.asize == 4) return F<Reg<N>, Mem<N>>::run;
    if (imm) return F<Reg<N>, Imm>::run;
  } else if (d.kind == OpKind::Mem && i.asize == 4) {
    if (s.kind == OpKind::Reg && s.size == N) return F<Mem<N>, Reg<N>>::run;
    if (imm) return F<Mem<N>, Imm>::run;
  }
  return nullptr;
}

// Pick F<D, S> for a two-operand instruction with register, memory or immediate operands.
template <template <class, class> class F>
Handler pick2(const Insn& i) {
  if (i.nops != 2) return nullptr;
  switch (i.op[0].size) {
    case 4: return pick2_sized<F, 4>(i);
    case 2: return pick2_sized<F, 2>(i);
    case 1: return pick2_sized<F, 1>(i);
    default: return nullptr;
  }
}

// Pick F<D> for operand n of size N in a register or memory, or nullptr.
template <template <class> class F, unsigned N>
Handler pick_rm_sized(const Insn& i, unsigned n) {
  if (i.op[n].kind == OpKind::Reg) return F<Reg<N>>::run;
  if (i.op[n].kind == OpKind::Mem && i.asize == 4) return F<Mem<N>>::run;
  return nullptr;
}

template <template <class> class F>
Handler pick_rm(const Insn& i, unsigned n) {
  switch (i.op[n].size) {
    case 4: return pick_rm_sized<F, 4>(i, n);
    case 2: return pick_rm_sized<F, 2>(i, n);
    case 1: return pick_rm_sized<F, 1>(i, n);
    default: return nullptr;
  }
}

}  // namespace pvlab::interp::form
