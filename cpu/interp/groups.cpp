#include "cpu/interp/groups.h"

namespace pvlab::interp {

void register_all(OpTable& t) {
  register_alu(t);
  register_shift(t);
  register_muldiv(t);
  register_bcd(t);
  register_bits(t);
  register_data(t);
  register_stack(t);
  register_string(t);
  register_branch(t);
  register_far(t);
  register_system(t);
  register_misc(t);
}

bool undefined(Cpu& cpu, const Insn&) { return cpu.ud(); }

bool unimplemented(Cpu& cpu, const Insn& i) {
  cpu.last_unimplemented = ZydisMnemonicGetString(ZydisMnemonic(i.mnemonic));
  return cpu.ud();
}

bool x87_unavailable(Cpu& cpu, const Insn&) {
  if (cpu.s.cr0 & (cr0::EM | cr0::TS)) return cpu.raise(exc::NM);
  return cpu.ud();
}

}  // namespace pvlab::interp
