// Small instructions: NOP, the flag instructions (CLC, STC, CMC, CLD, STD, CLI, STI).
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

// CLI / STI: allowed when CPL <= IOPL (V86: IOPL 3); otherwise #GP(0).
bool iopl_ok(const Cpu& c) {
  unsigned iopl = (c.s.eflags >> fl::kIoplShift) & 3;
  if (c.s.mode == CpuMode::Real) return true;
  return c.s.cpl <= iopl;
}

bool cli(Cpu& c, const Insn&) {
  if (!iopl_ok(c)) return c.gp(0);
  c.s.eflags &= ~fl::IF;
  return true;
}

bool sti(Cpu& c, const Insn&) {
  if (!iopl_ok(c)) return c.gp(0);
  if (!(c.s.eflags & fl::IF)) {
    c.s.eflags |= fl::IF;
    c.s.int_shadow = 1;  // interrupts wait one more instruction
    c.end_block();
  }
  return true;
}

}  // namespace

void register_misc(OpTable& t) {
  t.set(ZYDIS_MNEMONIC_NOP, nop);
  t.set(ZYDIS_MNEMONIC_CLC, flag_op<fl::CF, 0>);
  t.set(ZYDIS_MNEMONIC_STC, flag_op<fl::CF, 1>);
  t.set(ZYDIS_MNEMONIC_CMC, flag_op<fl::CF, 2>);
  t.set(ZYDIS_MNEMONIC_CLD, flag_op<fl::DF, 0>);
  t.set(ZYDIS_MNEMONIC_STD, flag_op<fl::DF, 1>);
  t.set(ZYDIS_MNEMONIC_CLI, cli);
  t.set(ZYDIS_MNEMONIC_STI, sti);
}

}  // namespace pvlab::interp
