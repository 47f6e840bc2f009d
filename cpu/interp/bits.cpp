// Bit instructions: BT, BTS, BTR, BTC, BSF, BSR, SETcc, CMOVcc, BSWAP.
//
// BT* with a register bit offset and a memory operand address the bit string beyond the
// operand: the offset is signed, and the access moves by whole operands (SDM "bit base").
// Flags the SDM leaves undefined follow the reference CPU (Unicorn 2):
//   BT*      CF = the selected bit; ZF keeps its value. When the flags are still the lazy
//            record of an arithmetic result, AF is cleared and OF is recomputed as the
//            reference does for a BT that follows such an operation in the same translated
//            block; otherwise OF, SF, AF and PF keep their values. (The reference's choice
//            depends on its block boundaries; pvlab's lazy record is the closest match.)
//   BSF/BSR  flags as after a logic operation on the source: CF = OF = AF = 0, ZF = source
//            is zero, SF and PF from the source. A zero source leaves the destination as it
//            was.
//   BSWAP    with a 16-bit operand the reference swaps the whole 32-bit register.
#include "cpu/interp/groups.h"

namespace pvlab::interp {

namespace {

enum class Bt { Test, Set, Reset, Complement };

template <Bt B>
bool bit_test(Cpu& c, const Insn& i) {
  constexpr bool kWrites = B != Bt::Test;
  const unsigned sz = i.op[0].size, bits = 8 * sz;
  uint32_t off, v;
  if (!c.load(i, 1, off)) return false;
  unsigned bit;
  uint32_t addr = 0;
  const bool in_string = i.op[0].kind == OpKind::Mem && i.op[1].kind == OpKind::Reg;
  if (in_string) {
    // Signed offset: the operand at ea + size * (offset >> log2(bits)).
    const int32_t so = sz == 2 ? int32_t(int16_t(off)) : int32_t(off);
    addr = c.ea(i) + uint32_t((so >> (sz == 2 ? 4 : 5)) * int32_t(sz));
    if (i.asize == 2) addr &= 0xffff;
    bit = unsigned(so) & (bits - 1);
    if (!c.read(i.mem.seg, addr, sz, v, kWrites)) return false;
  } else {
    bit = off & (bits - 1);
    if (!c.load(i, 0, v, kWrites)) return false;
  }
  const bool cf = (v >> bit) & 1;
  if (kWrites) {
    const uint32_t b = 1u << bit;
    const uint32_t nv = B == Bt::Set ? (v | b) : B == Bt::Reset ? (v & ~b) : (v ^ b);
    if (!(in_string ? c.write(i.mem.seg, addr, sz, nv) : c.store(i, 0, nv))) return false;
  }
  const LazyFlags& f = c.s.lf;
  if (f.op != LazyOp::None) {
    // Flags still describe an arithmetic result (res, at its own width): the reference keeps
    // ZF, SF and PF of that result, clears AF, and takes OF from the top bit of the tested
    // value shifted down by the bit offset XOR the result. A register operand enters that
    // with all 32 bits, even for a word BT.
    const unsigned w = 8 * f.size;
    const uint32_t tested = i.op[0].kind == OpKind::Reg ? c.s.r[i.op[0].reg] : v;
    uint32_t nf = szp_flags(f.res, f.size) | (cf ? fl::CF : 0);
    if ((((tested >> bit) ^ f.res) >> (w - 1)) & 1) nf |= fl::OF;
    set_arith_flags(c.s, nf);
  } else {
    c.s.eflags = (c.s.eflags & ~fl::CF) | (cf ? fl::CF : 0);
  }
  return true;
}

// BSF (kReverse false) and BSR.
template <bool kReverse>
bool bit_scan(Cpu& c, const Insn& i) {
  uint32_t src;
  if (!c.load(i, 1, src)) return false;
  const unsigned sz = i.op[0].size;
  src &= size_mask(sz);
  if (src) c.set_reg(i.op[0].reg, sz, kReverse ? 31 - __builtin_clz(src) : __builtin_ctz(src));
  set_lazy(c.s, LazyOp::Logic, sz, src, 0, src);
  return true;
}

bool setcc(Cpu& c, const Insn& i) { return c.store(i, 0, c.cond(i.opcode & 0xf) ? 1 : 0); }

// The source is read (and may fault) whatever the condition; a false condition leaves the
// destination as it was.
bool cmovcc(Cpu& c, const Insn& i) {
  uint32_t v;
  if (!c.load(i, 1, v)) return false;
  if (c.cond(i.opcode & 0xf)) c.set_reg(i.op[0].reg, i.op[0].size, v);
  return true;
}

bool bswap(Cpu& c, const Insn& i) {
  c.s.r[i.op[0].reg] = __builtin_bswap32(c.s.r[i.op[0].reg]);
  return true;
}

constexpr ZydisMnemonic kSet[16] = {
    ZYDIS_MNEMONIC_SETO,  ZYDIS_MNEMONIC_SETNO,  ZYDIS_MNEMONIC_SETB,  ZYDIS_MNEMONIC_SETNB,
    ZYDIS_MNEMONIC_SETZ,  ZYDIS_MNEMONIC_SETNZ,  ZYDIS_MNEMONIC_SETBE, ZYDIS_MNEMONIC_SETNBE,
    ZYDIS_MNEMONIC_SETS,  ZYDIS_MNEMONIC_SETNS,  ZYDIS_MNEMONIC_SETP,  ZYDIS_MNEMONIC_SETNP,
    ZYDIS_MNEMONIC_SETL,  ZYDIS_MNEMONIC_SETNL,  ZYDIS_MNEMONIC_SETLE, ZYDIS_MNEMONIC_SETNLE,
};
constexpr ZydisMnemonic kCmov[16] = {
    ZYDIS_MNEMONIC_CMOVO,  ZYDIS_MNEMONIC_CMOVNO,  ZYDIS_MNEMONIC_CMOVB,  ZYDIS_MNEMONIC_CMOVNB,
    ZYDIS_MNEMONIC_CMOVZ,  ZYDIS_MNEMONIC_CMOVNZ,  ZYDIS_MNEMONIC_CMOVBE, ZYDIS_MNEMONIC_CMOVNBE,
    ZYDIS_MNEMONIC_CMOVS,  ZYDIS_MNEMONIC_CMOVNS,  ZYDIS_MNEMONIC_CMOVP,  ZYDIS_MNEMONIC_CMOVNP,
    ZYDIS_MNEMONIC_CMOVL,  ZYDIS_MNEMONIC_CMOVNL,  ZYDIS_MNEMONIC_CMOVLE, ZYDIS_MNEMONIC_CMOVNLE,
};

}  // namespace

void register_bits(OpTable& t) {
  t.set(ZYDIS_MNEMONIC_BT, bit_test<Bt::Test>);
  t.set(ZYDIS_MNEMONIC_BTS, bit_test<Bt::Set>);
  t.set(ZYDIS_MNEMONIC_BTR, bit_test<Bt::Reset>);
  t.set(ZYDIS_MNEMONIC_BTC, bit_test<Bt::Complement>);
  t.set(ZYDIS_MNEMONIC_BSF, bit_scan<false>);
  t.set(ZYDIS_MNEMONIC_BSR, bit_scan<true>);
  for (ZydisMnemonic m : kSet) t.set(m, setcc);
  for (ZydisMnemonic m : kCmov) t.set(m, cmovcc);
  t.set(ZYDIS_MNEMONIC_BSWAP, bswap);
}

}  // namespace pvlab::interp
