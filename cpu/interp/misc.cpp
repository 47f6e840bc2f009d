// Small instructions: NOP and PAUSE, the flag instructions (CLC, STC, CMC, CLD, STD, CLI, STI,
// LAHF, SAHF), the always-invalid UD0/UD1/UD2, and BOUND.
#include "cpu/interp/groups.h"

namespace pvlab::interp {

namespace {

bool nop(Cpu&, const Insn&) { return true; }

template <uint32_t kFlag, int kValue>  // kValue: 0 clear, 1 set, 2 complement
bool flag_op(Cpu& c, const Insn&) {
  materialize(c.s);
  if (kValue == 0) c.s.eflags &= ~kFlag;
  else if (kValue == 1) c.s.eflags |= kFlag;
  else c.s.eflags ^= kFlag;
  return true;
}

// CLI / STI: allowed when CPL <= IOPL (V86: IOPL 3). Otherwise they act on VIF instead of IF
// in V86 mode with CR4.VME and at CPL 3 with CR4.PVI (STI only while VIP is clear), and
// raise #GP(0) in every other case.
bool iopl_ok(const Cpu& c) {
  unsigned iopl = (c.s.eflags >> fl::kIoplShift) & 3;
  if (c.s.mode == CpuMode::Real) return true;
  return c.s.cpl <= iopl;
}

bool virtual_if(const Cpu& c) {
  if (c.v86()) return c.s.cr4 & cr4::VME;
  return c.s.cpl == 3 && (c.s.cr4 & cr4::PVI);
}

bool cli(Cpu& c, const Insn&) {
  if (iopl_ok(c)) {
    c.s.eflags &= ~fl::IF;
  } else {
    if (!virtual_if(c)) return c.gp(0);
    c.s.eflags &= ~fl::VIF;
  }
  return true;
}

bool sti(Cpu& c, const Insn&) {
  if (!iopl_ok(c)) {
    if (!virtual_if(c) || (c.s.eflags & fl::VIP)) return c.gp(0);
    c.s.eflags |= fl::VIF;
    return true;
  }
  if (!(c.s.eflags & fl::IF)) {
    c.s.eflags |= fl::IF;
    c.s.int_shadow = 1;  // interrupts wait one more instruction
    c.end_block();
  }
  return true;
}

// LAHF: AH <- SF:ZF:0:AF:0:PF:1:CF.
bool lahf(Cpu& c, const Insn&) {
  c.set_reg(4, 1, (c.flags() & (fl::SF | fl::ZF | fl::AF | fl::PF | fl::CF)) | fl::kFixed1);
  return true;
}

// SAHF: SF, ZF, AF, PF, CF <- AH; OF and the rest keep their values.
bool sahf(Cpu& c, const Insn&) {
  c.set_flags(c.reg(4, 1), fl::SF | fl::ZF | fl::AF | fl::PF | fl::CF);
  return true;
}

// BOUND r, m: #BR unless lower <= r <= upper (signed), the bounds being two operand-sized
// values at m and m + size. The register form is an invalid encoding (#UD from the decoder).
bool bound(Cpu& c, const Insn& i) {
  const unsigned n = i.op[0].size;
  const uint32_t off = c.ea(i);
  uint32_t lo, hi;
  if (!c.read(i.mem.seg, off, n, lo) || !c.read(i.mem.seg, off + n, n, hi)) return false;
  auto sx = [n](uint32_t v) { return n == 2 ? int32_t(int16_t(v)) : int32_t(v); };
  const int32_t idx = sx(c.reg(i.op[0].reg, n));
  if (idx < sx(lo) || idx > sx(hi)) return c.raise(exc::BR);
  return true;
}

// SALC (D6): AL = CF ? 0xFF : 0. Undocumented, but P6 processors execute it.
bool salc(Cpu& c, const Insn&) {
  c.set_reg(EAX, 1, get_cf(c.s) ? 0xff : 0);
  return true;
}

}  // namespace

void register_misc(OpTable& t) {
  t.set(ZYDIS_MNEMONIC_NOP, nop);
  t.set(ZYDIS_MNEMONIC_SALC, salc);
  t.set(ZYDIS_MNEMONIC_PAUSE, nop);  // REP NOP: a plain NOP on a P6
  t.set(ZYDIS_MNEMONIC_CLC, flag_op<fl::CF, 0>);
  t.set(ZYDIS_MNEMONIC_STC, flag_op<fl::CF, 1>);
  t.set(ZYDIS_MNEMONIC_CMC, flag_op<fl::CF, 2>);
  t.set(ZYDIS_MNEMONIC_CLD, flag_op<fl::DF, 0>);
  t.set(ZYDIS_MNEMONIC_STD, flag_op<fl::DF, 1>);
  t.set(ZYDIS_MNEMONIC_CLI, cli);
  t.set(ZYDIS_MNEMONIC_STI, sti);
  t.set(ZYDIS_MNEMONIC_LAHF, lahf);
  t.set(ZYDIS_MNEMONIC_SAHF, sahf);
  t.set(ZYDIS_MNEMONIC_UD0, undefined, iflag::ENDS_BLOCK);
  t.set(ZYDIS_MNEMONIC_UD1, undefined, iflag::ENDS_BLOCK);
  t.set(ZYDIS_MNEMONIC_UD2, undefined, iflag::ENDS_BLOCK);
  t.set(ZYDIS_MNEMONIC_BOUND, bound, 0, 3);
}

}  // namespace pvlab::interp
