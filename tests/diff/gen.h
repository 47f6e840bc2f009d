// Test-case generation for the differential tester: random instruction sequences filtered
// through Zydis to the user-mode integer instructions of a P6, with memory operands steered
// into the data pages of protocol.h, random registers and memory, and a record of which
// arithmetic flags may be architecturally undefined at each point (the host comparison masks
// those, as the host is not the CPU whose undefined flags pvlab follows).
#pragma once
#include <Zydis/Zydis.h>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "rng.h"
#include "protocol.h"

namespace pvdiff {

constexpr uint32_t kArithFlags = 0x8d5;  // CF PF AF ZF SF OF

struct SeqInsn {
  uint8_t bytes[16] = {};
  uint8_t len = 0;
  uint16_t offset = 0;         // from PD_CODE_BASE
  uint16_t mnemonic = 0;       // ZydisMnemonic
  uint8_t osize = 32;          // operand width in bits
  int16_t target = -1;         // index of the instruction a relative branch goes to (n: the end)
  uint8_t rel_offset = 0, rel_size = 0;
  uint32_t undef_before = 0;   // arithmetic flags that may be undefined when it starts
  uint32_t qctx_before = 0;    // flags Unicorn computes from context, not state (see gen.cpp)
  uint32_t undef_after = 0, qctx_after = 0;  // the same just after it (before any merge)
  bool inserted = false;       // added by the generator (the TF/AC mask before a POPF)
  bool soft_int = false;       // INT n / INT3 / INTO: reports after the instruction
  uint8_t soft_vector = 0;
  bool mem_rmw = false;        // reads and writes its explicit memory operand
};

struct TestCase {
  uint64_t index = 0;
  std::vector<SeqInsn> insns;
  uint32_t end = 0;            // linear address just past the sequence
  uint32_t undef_end = 0;      // flags that may be undefined at the end
  uint32_t qctx_end = 0;
  uint8_t code[PD_PAGE] = {};
  uint32_t regs[8] = {};
  uint32_t eflags = 0x202;
  uint8_t data[PD_NUM_DATA][PD_PAGE] = {};
  bool host_ok = true;         // the host's result is meaningful (nothing undefined consumed)
  bool unicorn_unreliable = false;  // holds an instruction Unicorn is known to get wrong
  std::string host_why;        // why not, when it is not

  // The instruction starting at linear `eip` (insns.size() for the end), or -1.
  int index_at(uint32_t eip) const;
  // Flags that may be undefined when execution stands at `eip`.
  uint32_t undef_at(uint32_t eip) const;
  uint32_t qctx_at(uint32_t eip) const;
};

struct GenOptions {
  unsigned seq_len = 8;
  unsigned unsafe_percent = 10;  // sequences allowed to consume undefined flags (no host check)
};

class Generator {
 public:
  explicit Generator(const GenOptions& o);
  TestCase make(uint64_t seed, uint64_t index);

  // Called with every instruction accepted into the corpus (for the length cross-check).
  std::function<void(const uint8_t* bytes, unsigned len)> on_accepted;

  // Disassemble for reports.
  std::string disasm(const SeqInsn& i) const;
  static std::string mnemonic_name(uint16_t m);

 private:
  struct Candidate {
    SeqInsn si;
    ZydisDecodedInstruction zi;
    ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
    bool host_unsafe = false;
    const char* unsafe_why = "";
    bool unicorn_unreliable = false;  // Unicorn is known to get it wrong
  };
  bool random_candidate(Rng& r, Candidate& c);
  bool accept(Candidate& c) const;
  void steer_memory(Rng& r, Candidate& c) const;
  bool decode(const uint8_t* b, unsigned n, ZydisDecodedInstruction& zi,
              ZydisDecodedOperand* ops) const;

  GenOptions opt_;
  ZydisDecoder dec_;
  ZydisFormatter fmt_;
};

// Linear address helpers for steering.
uint32_t random_data_address(Rng& r);

}  // namespace pvdiff
