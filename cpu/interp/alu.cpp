// Two-operand arithmetic and logic (ADD, OR, ADC, SBB, AND, SUB, XOR, CMP, TEST) and the
// one-operand INC, DEC, NEG, NOT. Flags are lazy (cpu/flags.h).
#include "cpu/interp/forms.h"
#include "cpu/interp/groups.h"

namespace pvlab::interp {

namespace {

enum class Alu { Add, Or, Adc, Sbb, And, Sub, Xor, Cmp, Test };

template <Alu A>
[[gnu::noinline]] bool binop(Cpu& c, const Insn& i);

// The semantic, over operand accessors D (destination) and S (source) from forms.h.
template <Alu A, class D, class S>
PVLAB_INLINE bool binop_impl(Cpu& c, const Insn& i) {
  constexpr bool kWrites = A != Alu::Cmp && A != Alu::Test;
  D d;
  S s;
  if (!d.prepare(c, i, 0, kWrites) || !s.prepare(c, i, 1, false)) return binop<A>(c, i);
  uint32_t a, b;
  if (!d.get(c, i, 0, a, kWrites) || !s.get(c, i, 1, b, false)) return false;
  const unsigned sz = d.size(i, 0);
  const uint32_t m = size_mask(sz);
  a &= m;
  b &= m;
  uint32_t r;
  bool carry = false;
  LazyOp op;
  switch (A) {
    case Alu::Add: r = a + b; op = LazyOp::Add; break;
    case Alu::Adc: carry = get_cf(c.s); r = a + b + carry; op = LazyOp::Adc; break;
    case Alu::Sub:
    case Alu::Cmp: r = a - b; op = LazyOp::Sub; break;
    case Alu::Sbb: carry = get_cf(c.s); r = a - b - carry; op = LazyOp::Sbb; break;
    case Alu::Or: r = a | b; op = LazyOp::Logic; break;
    case Alu::And:
    case Alu::Test: r = a & b; op = LazyOp::Logic; break;
    case Alu::Xor: r = a ^ b; op = LazyOp::Logic; break;
  }
  r &= m;
  if (kWrites && !d.put(c, i, 0, r)) return false;
  set_lazy(c.s, op, sz, a, b, r, carry);
  return true;
}

template <Alu A>
struct Binop {
  template <class D, class S>
  struct F {
    static bool run(Cpu& c, const Insn& i) { return binop_impl<A, D, S>(c, i); }
  };
};

template <Alu A>
bool binop(Cpu& c, const Insn& i) {
  return binop_impl<A, form::Any, form::Any>(c, i);
}

template <Alu A>
Handler specialize_binop(const Insn& i) {
  return form::pick2<Binop<A>::template F>(i);
}

template <bool kInc>
[[gnu::noinline]] bool incdec(Cpu& c, const Insn& i);

template <bool kInc, class D>
PVLAB_INLINE bool incdec_impl(Cpu& c, const Insn& i) {
  D d;
  if (!d.prepare(c, i, 0, true)) return incdec<kInc>(c, i);
  uint32_t a;
  if (!d.get(c, i, 0, a, true)) return false;
  const unsigned sz = d.size(i, 0);
  const uint32_t m = size_mask(sz);
  a &= m;
  uint32_t r = (kInc ? a + 1 : a - 1) & m;
  bool cf = get_cf(c.s);
  if (!d.put(c, i, 0, r)) return false;
  set_lazy(c.s, kInc ? LazyOp::Inc : LazyOp::Dec, sz, a, 1, r, cf);
  return true;
}

template <bool kInc>
bool incdec(Cpu& c, const Insn& i) {
  return incdec_impl<kInc, form::Any>(c, i);
}

template <bool kInc>
struct IncDec {
  template <class D>
  struct F {
    static bool run(Cpu& c, const Insn& i) { return incdec_impl<kInc, D>(c, i); }
  };
};

bool neg(Cpu& c, const Insn& i) {
  uint32_t a;
  if (!c.load(i, 0, a, true)) return false;
  const unsigned sz = i.op[0].size;
  const uint32_t m = size_mask(sz);
  a &= m;
  uint32_t r = (0u - a) & m;
  if (!c.store(i, 0, r)) return false;
  set_lazy(c.s, LazyOp::Neg, sz, a, 0, r);
  return true;
}

bool not_(Cpu& c, const Insn& i) {
  uint32_t a;
  if (!c.load(i, 0, a, true)) return false;
  return c.store(i, 0, ~a & size_mask(i.op[0].size));
}

}  // namespace

void register_alu(OpTable& t) {
  t.set(ZYDIS_MNEMONIC_ADD, binop<Alu::Add>);
  t.set_specializer(ZYDIS_MNEMONIC_ADD, specialize_binop<Alu::Add>);
  t.set(ZYDIS_MNEMONIC_OR, binop<Alu::Or>);
  t.set_specializer(ZYDIS_MNEMONIC_OR, specialize_binop<Alu::Or>);
  t.set(ZYDIS_MNEMONIC_ADC, binop<Alu::Adc>);
  t.set_specializer(ZYDIS_MNEMONIC_ADC, specialize_binop<Alu::Adc>);
  t.set(ZYDIS_MNEMONIC_SBB, binop<Alu::Sbb>);
  t.set_specializer(ZYDIS_MNEMONIC_SBB, specialize_binop<Alu::Sbb>);
  t.set(ZYDIS_MNEMONIC_AND, binop<Alu::And>);
  t.set_specializer(ZYDIS_MNEMONIC_AND, specialize_binop<Alu::And>);
  t.set(ZYDIS_MNEMONIC_SUB, binop<Alu::Sub>);
  t.set_specializer(ZYDIS_MNEMONIC_SUB, specialize_binop<Alu::Sub>);
  t.set(ZYDIS_MNEMONIC_XOR, binop<Alu::Xor>);
  t.set_specializer(ZYDIS_MNEMONIC_XOR, specialize_binop<Alu::Xor>);
  t.set(ZYDIS_MNEMONIC_CMP, binop<Alu::Cmp>);
  t.set_specializer(ZYDIS_MNEMONIC_CMP, specialize_binop<Alu::Cmp>);
  t.set(ZYDIS_MNEMONIC_TEST, binop<Alu::Test>);
  t.set_specializer(ZYDIS_MNEMONIC_TEST, specialize_binop<Alu::Test>);
  t.set(ZYDIS_MNEMONIC_INC, incdec<true>);
  t.set_specializer(ZYDIS_MNEMONIC_INC,
                    [](const Insn& i) { return form::pick_rm<IncDec<true>::F>(i, 0); });
  t.set(ZYDIS_MNEMONIC_DEC, incdec<false>);
  t.set_specializer(ZYDIS_MNEMONIC_DEC,
                    [](const Insn& i) { return form::pick_rm<IncDec<false>::F>(i, 0); });
  t.set(ZYDIS_MNEMONIC_NEG, neg);
  t.set(ZYDIS_MNEMONIC_NOT, not_);
}

}  // namespace pvlab::interp
