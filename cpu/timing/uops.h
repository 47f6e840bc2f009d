// How the timing model sees one instruction: which execution resource it needs, which
// registers and flags it reads and writes besides its explicit operands, whether it touches
// the stack or string memory, and what kind of branch it is. One row per Zydis mnemonic,
// built once; the explicit operands come from the decoded Insn itself (cpu/timing/ooo.cpp).
#pragma once
#include <cstdint>

#include "cpu/insn.h"
#include "cpu/timing/bpred.h"

namespace pvlab {

struct FunctionCpi;

enum class ExecClass : uint8_t {
  None,     // no execution unit (NOP, and moves the model treats as free are not among them)
  Alu,
  Mul,
  Div,
  Branch,
  String,   // a string instruction: one element per cycle on the load/store path
  Serial,   // system, I/O, far transfers, segment loads: wait for the window to drain
};

namespace uopf {
constexpr uint8_t READS_FLAGS = 1u << 0;
constexpr uint8_t WRITES_FLAGS = 1u << 1;
constexpr uint8_t DST_READ = 1u << 2;    // operand 0 is read
constexpr uint8_t DST_WRITE = 1u << 3;   // operand 0 is written
constexpr uint8_t SRC_WRITE = 1u << 4;   // operand 1 is written too (XCHG, XADD)
constexpr uint8_t NO_ACCESS = 1u << 5;   // the memory operand is an address only (LEA)
}  // namespace uopf

enum class StackAccess : uint8_t { None, Push, Pop };

struct MnemonicTiming {
  ExecClass cls = ExecClass::Serial;
  uint8_t flags = 0;
  uint8_t reads = 0, writes = 0;   // implicit general registers (bit n: register n)
  StackAccess stack = StackAccess::None;
  BranchKind branch = BranchKind::None;
};

// The row for a Zydis mnemonic (unknown ones are Serial).
const MnemonicTiming& mnemonic_timing(unsigned mnemonic);

// What a timing engine needs of one decoded instruction, worked out once per Insn: registers
// it reads and writes (bits 0-7 the general registers, bit kFlagsBit the flags), those its
// address needs, its execution class, branch kind, stack access and memory accesses, and how
// many micro-ops it becomes. Engines keep them in a table keyed by the Insn's address; an
// entry holds while the block cache's generation is the one it was made in (a dropped
// block's Insns may be reused).
constexpr unsigned kFlagsBit = 8;
// The memory accesses and kinds of an InsnShape as one word of bits (InsnShape::bits), for
// engines that test several at once.
namespace shapeb {
constexpr uint16_t LOAD = 1u << 0;       // InsnShape::load
constexpr uint16_t STORE = 1u << 1;      // InsnShape::store
constexpr uint16_t POP = 1u << 2;        // a stack read (StackAccess::Pop)
constexpr uint16_t PUSH = 1u << 3;       // a stack write (StackAccess::Push)
constexpr uint16_t EXEC = 1u << 4;       // InsnShape::exec
constexpr uint16_t PURE_MOVE = 1u << 5;  // InsnShape::pure_move
constexpr uint16_t LEAVE = 1u << 6;      // InsnShape::leave
constexpr uint16_t SERIAL = 1u << 7;     // ExecClass::Serial
constexpr uint16_t ANY_LOAD = LOAD | POP;
constexpr uint16_t ANY_STORE = STORE | PUSH;
constexpr uint16_t STACK = POP | PUSH;
}  // namespace shapeb
struct InsnShape {
  const Insn* key = nullptr;
  uint64_t gen = ~0ull;
  uint32_t src = 0, dst = 0, addr_regs = 0;
  ExecClass cls = ExecClass::None;
  BranchKind br = BranchKind::None;
  StackAccess stack = StackAccess::None;
  bool load = false, store = false, pure_move = false, exec = false, leave = false;
  uint8_t uops = 1;
  uint16_t bits = 0;   // shapeb:: bits
  // The registers the result is written to: dst, less ESP when the stack is accessed (the
  // address arithmetic updates it), plus EBP for LEAVE.
  uint32_t res_dst = 0;
  int32_t func = -1;   // FunctionMap index of the function holding it (-1: none or no map)
  FunctionCpi* fstats = nullptr;   // the engine's row for `func` (null without a map)
};
void shape_insn(const Insn& insn, InsnShape& out);

}  // namespace pvlab
