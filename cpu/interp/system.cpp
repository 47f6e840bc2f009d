// System instructions: HLT, IN and OUT.
#include "cpu/interp/groups.h"

namespace pvlab::interp {

namespace {

bool hlt(Cpu& c, const Insn&) {
  if (c.s.cpl != 0) return c.gp(0);
  c.s.halted = 1;
  c.end_block();
  return true;
}

// IN/OUT: the port is an immediate or DX; the data register is AL/AX/EAX.
uint16_t port_of(const Cpu& c, const Operand& o, const Insn& i) {
  return o.kind == OpKind::Imm ? uint16_t(i.imm) : uint16_t(c.s.r[EDX]);
}

bool in(Cpu& c, const Insn& i) {
  uint16_t port = port_of(c, i.op[1], i);
  unsigned size = i.op[0].size;
  if (!c.io_allowed(port, size)) return c.gp(0);
  c.set_reg(EAX, size, c.bus().port_in(port, size));
  return true;
}

bool out(Cpu& c, const Insn& i) {
  uint16_t port = port_of(c, i.op[0], i);
  unsigned size = i.op[1].size;
  if (!c.io_allowed(port, size)) return c.gp(0);
  c.bus().port_out(port, size, c.reg(EAX, size));
  return true;
}

}  // namespace

void register_system(OpTable& t) {
  t.set(ZYDIS_MNEMONIC_HLT, hlt, iflag::ENDS_BLOCK);
  t.set(ZYDIS_MNEMONIC_IN, in, 0, 8);
  t.set(ZYDIS_MNEMONIC_OUT, out, iflag::ENDS_BLOCK, 8);
}

}  // namespace pvlab::interp
