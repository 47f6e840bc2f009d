// The table from Zydis mnemonic to pvlab semantic: handler, attributes and timing class.
// Each instruction group in cpu/interp/ fills its rows in its own register_* function.
#pragma once
#include <Zydis/Zydis.h>

#include "cpu/insn.h"

namespace pvlab {

// Picks a handler specialized for one instruction's operand forms (register, memory,
// immediate; operand size), or returns nullptr to keep the row's generic handler. The
// specialized handlers run the same semantic with the operand access resolved at decode time.
using Specializer = Handler (*)(const Insn&);

struct OpEntry {
  Handler fn = nullptr;
  uint16_t flags = 0;   // iflag:: bits added to every instruction of this mnemonic
  uint8_t cost = 1;     // cycles at retire in the atomic timing model
  Specializer specialize = nullptr;
};

class OpTable {
 public:
  OpTable();
  // Register a mnemonic. `flags` usually iflag::ENDS_BLOCK for control transfers and for
  // instructions that change how following bytes decode or run (mode, CR0, segment loads).
  void set(ZydisMnemonic m, Handler fn, uint16_t flags = 0, uint8_t cost = 1) {
    rows_[m] = {fn, flags, cost};
  }
  // Far forms of JMP, CALL and RET share the near mnemonic; they get rows of their own.
  void set_far(ZydisMnemonic m, Handler fn, uint16_t flags = 0, uint8_t cost = 1) {
    far_[m] = {fn, flags, cost};
  }
  void set_specializer(ZydisMnemonic m, Specializer sp) { rows_[m].specialize = sp; }
  const OpEntry& operator[](unsigned m) const { return rows_[m]; }
  const OpEntry& far(unsigned m) const { return far_[m]; }

 private:
  OpEntry rows_[ZYDIS_MNEMONIC_MAX_VALUE + 1];
  OpEntry far_[ZYDIS_MNEMONIC_MAX_VALUE + 1];
};

// The one table, built on first use from every group's register function.
const OpTable& op_table();

}  // namespace pvlab
