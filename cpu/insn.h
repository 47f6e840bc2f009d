// pvlab's decoded instruction form. Zydis decodes; cpu/decode turns its output into this
// compact record, which blocks cache and handlers execute.
#pragma once
#include <cstdint>

namespace pvlab {

class Cpu;
struct Insn;

// Every instruction handler has this signature. It returns false when the instruction raised
// an exception (already recorded with Cpu::raise); state is then as the manual says for a
// fault: the instruction can be restarted.
using Handler = bool (*)(Cpu&, const Insn&);

enum class OpKind : uint8_t {
  None,
  Reg,    // general register; reg is the x86 encoding for the size (AL..BH for bytes)
  Mem,    // the instruction's memory operand (Insn::mem)
  Imm,    // Insn::imm (or imm2 for the second immediate)
  Rel,    // branch displacement in Insn::imm, relative to the next instruction
  Ptr,    // far pointer: offset in imm, selector in imm2
  SReg,   // segment register ES..GS
  CReg,   // control register
  DReg,   // debug register
};

struct Operand {
  OpKind kind = OpKind::None;
  uint8_t size = 0;   // bytes
  uint8_t reg = 0;
  uint8_t imm_index = 0;  // Imm: 0 -> imm, 1 -> imm2
};

namespace iflag {
constexpr uint16_t LOCK = 1u << 0;
constexpr uint16_t SEG_OVERRIDE = 1u << 1;
constexpr uint16_t ENDS_BLOCK = 1u << 2;  // control transfer or state the decoder depends on
constexpr uint16_t REP = 1u << 3;         // F3 (REP / REPE)
constexpr uint16_t REPNE = 1u << 4;       // F2
constexpr uint16_t CROSSES_PAGE = 1u << 5;
}  // namespace iflag

struct MemOperand {
  uint32_t disp = 0;
  uint8_t seg = 3;       // effective segment (DS unless overridden or stack-based)
  uint8_t base = 0xff;   // Gpr or 0xff
  uint8_t index = 0xff;  // Gpr or 0xff
  uint8_t scale = 0;     // shift 0..3
};

struct Insn {
  Handler fn = nullptr;
  uint32_t imm = 0;
  uint32_t imm2 = 0;
  MemOperand mem;
  uint16_t mnemonic = 0;   // ZydisMnemonic
  uint16_t flags = 0;      // iflag::
  uint8_t len = 0;
  uint8_t osize = 4;       // effective operand size: 2 or 4 bytes
  uint8_t asize = 4;       // effective address size: 2 or 4 bytes
  uint8_t nops = 0;
  uint8_t opcode = 0;      // last opcode byte (for handlers that share a mnemonic)
  uint8_t cost = 1;        // cycles at retire (timing class)
  uint8_t modrm_reg = 0;   // ModRM.reg field
  Operand op[3];

  bool has_lock() const { return flags & iflag::LOCK; }
  bool rep() const { return flags & (iflag::REP | iflag::REPNE); }
};

}  // namespace pvlab
