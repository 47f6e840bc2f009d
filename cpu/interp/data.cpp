// Data movement: MOV (general and segment registers), MOVZX/MOVSX, LEA.
#include "cpu/interp/groups.h"

namespace pvlab::interp {

namespace {

bool mov(Cpu& c, const Insn& i) {
  uint32_t v;
  if (!c.load(i, 1, v)) return false;
  return c.store(i, 0, v);
}

bool movzx(Cpu& c, const Insn& i) {
  uint32_t v;
  if (!c.load(i, 1, v)) return false;
  return c.store(i, 0, v & size_mask(i.op[1].size));
}

bool movsx(Cpu& c, const Insn& i) {
  uint32_t v;
  if (!c.load(i, 1, v)) return false;
  v = i.op[1].size == 1 ? uint32_t(int32_t(int8_t(v))) : uint32_t(int32_t(int16_t(v)));
  return c.store(i, 0, v);
}

bool lea(Cpu& c, const Insn& i) {
  c.set_reg(i.op[0].reg, i.op[0].size, c.ea(i));
  return true;
}

}  // namespace

void register_data(OpTable& t) {
  t.set(ZYDIS_MNEMONIC_MOV, mov);
  t.set(ZYDIS_MNEMONIC_MOVZX, movzx);
  t.set(ZYDIS_MNEMONIC_MOVSX, movsx);
  t.set(ZYDIS_MNEMONIC_LEA, lea);
}

}  // namespace pvlab::interp
