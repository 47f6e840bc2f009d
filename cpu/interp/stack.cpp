// Stack instructions: PUSH and POP of registers, memory, immediates and segment registers.
#include "cpu/interp/groups.h"

namespace pvlab::interp {

namespace {

bool push(Cpu& c, const Insn& i) {
  uint32_t v;
  if (!c.load(i, 0, v)) return false;
  return c.push(v, i.osize);
}

bool pop(Cpu& c, const Insn& i) {
  uint32_t v;
  if (!c.stack_read(0, i.osize, v)) return false;
  const Operand& o = i.op[0];
  if (o.kind == OpKind::Mem) {
    // The address of a memory destination is computed with ESP already incremented.
    uint32_t old = c.s.r[ESP];
    c.set_sp(c.sp() + i.osize);
    if (!c.store(i, 0, v)) {
      c.s.r[ESP] = old;
      return false;
    }
    return true;
  }
  if (o.kind == OpKind::SReg) {
    if (!c.load_seg(o.reg, uint16_t(v))) return false;
    c.set_sp(c.sp() + i.osize);
    return true;
  }
  c.set_sp(c.sp() + i.osize);
  return c.store(i, 0, v);
}

}  // namespace

void register_stack(OpTable& t) {
  t.set(ZYDIS_MNEMONIC_PUSH, push);
  t.set(ZYDIS_MNEMONIC_POP, pop);
}

}  // namespace pvlab::interp
