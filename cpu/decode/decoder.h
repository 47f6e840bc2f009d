// Zydis front end: raw bytes in, pvlab Insn out.
#pragma once
#include <Zydis/Zydis.h>

#include <cstddef>

#include "cpu/insn.h"

namespace pvlab {

enum class DecodeStatus { Ok, NeedMore, Invalid, TooLong };

class Decoder {
 public:
  Decoder();
  // Decode the instruction at `bytes` (n available) as 16- or 32-bit code.
  DecodeStatus decode(const uint8_t* bytes, size_t n, bool code32, Insn& out) const;
  // The raw Zydis view of the same bytes (for disassembly and tests).
  bool decode_raw(const uint8_t* bytes, size_t n, bool code32, ZydisDecodedInstruction& zi,
                  ZydisDecodedOperand* ops) const;

 private:
  ZydisDecoder d16_, d32_;
};

}  // namespace pvlab
