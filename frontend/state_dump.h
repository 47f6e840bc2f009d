// The one-screen report of a stopped or crashed guest: registers, segment caches, control
// registers, the last instructions executed (rebuilt from the CPU's trace ring) and the
// instructions at EIP, disassembled with Capstone.
#pragma once
#include <string>
#include <vector>

#include "cpu/cpu.h"

namespace pvlab {

std::string state_dump(Cpu& cpu);
// Capstone disassembly of `count` instructions at linear `lin` (Intel or AT&T syntax).
std::string disassemble(Cpu& cpu, uint32_t lin, unsigned count, bool att = false);
// The one instruction at linear `lin` as "mnemonic operands" (empty when Capstone cannot
// decode it); `size` receives its length.
std::string disassemble_one(Cpu& cpu, uint32_t lin, unsigned& size);

// One of the last instructions executed, oldest first.
struct TraceLine {
  enum class Note : uint8_t {
    None,
    AtEip,        // the instruction at EIP now: the one that faulted, or the next to run
    NotRetired,   // control left the block here (an exception or interrupt came first)
  };
  paddr_t phys = 0;
  uint32_t lin = 0;
  bool lin_known = false;   // false when the block is no longer cached (phys only)
  unsigned repeat = 1;      // consecutive executions folded into this line
  Note note = Note::None;
  std::string bytes;        // hex
  std::string text;         // Capstone's disassembly, or a reason it has none
};
// The last (at most) `count` instructions executed, from the trace ring.
std::vector<TraceLine> last_instructions(Cpu& cpu, unsigned count);

}  // namespace pvlab
