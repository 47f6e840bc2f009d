// The one-screen report of a stopped or crashed guest: registers, segment caches, control
// registers and the instructions at EIP disassembled with Capstone.
#pragma once
#include <string>

#include "cpu/cpu.h"

namespace pvlab {

std::string state_dump(Cpu& cpu);
// Capstone disassembly of `count` instructions at linear `lin` (Intel or AT&T syntax).
std::string disassemble(Cpu& cpu, uint32_t lin, unsigned count, bool att = false);

}  // namespace pvlab
