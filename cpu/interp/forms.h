// Operand forms for specialized handlers. A semantic written once as a template over two
// accessors runs as the generic handler (Any: the operand kind is looked at when the
// instruction runs) and as handlers whose operand access was fixed when the instruction was
// decoded (Reg32, Mem32, Imm). The decoder picks one through an OpTable specializer.
#pragma once
#include "cpu/cpu.h"

namespace pvlab::interp::form {

// Any operand kind and size, resolved at run time.
struct Any {
  static PVLAB_INLINE unsigned size(const Insn& i, unsigned n) { return i.op[n].size; }
  static PVLAB_INLINE bool get(Cpu& c, const Insn& i, unsigned n, uint32_t& v, bool rmw) {
    return c.load(i, n, v, rmw);
  }
  static PVLAB_INLINE bool put(Cpu& c, const Insn& i, unsigned n, uint32_t v) {
    return c.store(i, n, v);
  }
};

// A 32-bit general register.
struct Reg32 {
  static constexpr unsigned size(const Insn&, unsigned) { return 4; }
  static PVLAB_INLINE bool get(Cpu& c, const Insn& i, unsigned n, uint32_t& v, bool) {
    v = c.s.r[i.op[n].reg];
    return true;
  }
  static PVLAB_INLINE bool put(Cpu& c, const Insn& i, unsigned n, uint32_t v) {
    c.s.r[i.op[n].reg] = v;
    return true;
  }
};

// The instruction's 32-bit memory operand.
struct Mem32 {
  static constexpr unsigned size(const Insn&, unsigned) { return 4; }
  static PVLAB_INLINE bool get(Cpu& c, const Insn& i, unsigned, uint32_t& v, bool rmw) {
    return c.read(i.mem.seg, c.ea(i), 4, v, rmw);
  }
  static PVLAB_INLINE bool put(Cpu& c, const Insn& i, unsigned, uint32_t v) {
    return c.write(i.mem.seg, c.ea(i), 4, v);
  }
};

// The first immediate (already sign- or zero-extended by the decoder).
struct Imm32 {
  static constexpr unsigned size(const Insn&, unsigned) { return 4; }
  static PVLAB_INLINE bool get(Cpu&, const Insn& i, unsigned, uint32_t& v, bool) {
    v = i.imm;
    return true;
  }
  static PVLAB_INLINE bool put(Cpu&, const Insn&, unsigned, uint32_t) { return true; }
};

// Which fixed form operand n of `i` has, for specializers: 'r', 'm', 'i' or 0 (none fits).
inline char kind32(const Insn& i, unsigned n) {
  const Operand& o = i.op[n];
  if (o.kind == OpKind::Reg && o.size == 4) return 'r';
  if (o.kind == OpKind::Mem && o.size == 4) return 'm';
  if (o.kind == OpKind::Imm && o.imm_index == 0 && (o.size == 4 || o.size == 1)) return 'i';
  return 0;
}

// Pick F<D, S> for a two-operand instruction whose operands both have fixed 32-bit forms.
template <template <class, class> class F>
Handler pick2(const Insn& i) {
  if (i.nops != 2) return nullptr;
  switch (kind32(i, 0)) {
    case 'r':
      switch (kind32(i, 1)) {
        case 'r': return F<Reg32, Reg32>::run;
        case 'm': return F<Reg32, Mem32>::run;
        case 'i': return F<Reg32, Imm32>::run;
        default: return nullptr;
      }
    case 'm':
      switch (kind32(i, 1)) {
        case 'r': return F<Mem32, Reg32>::run;
        case 'i': return F<Mem32, Imm32>::run;
        default: return nullptr;
      }
    default: return nullptr;
  }
}

}  // namespace pvlab::interp::form
