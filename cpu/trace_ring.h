// The blocks the CPU entered during its last instructions, kept so a state dump can show the
// final instructions that ran. The run loop records each block entry: the block's physical
// address, in the slot of the instruction count at entry (count mod kSize), together with the
// full count. That is two stores per block and no counter of its own: the instruction count
// is in a register there anyway.
//
// Reading it back: walking the counts down from now, a slot whose stored count equals the
// count looked at holds the block entered then; instructions retired in that block are the
// distance to the next entry. Entries older than kSize instructions are gone. A block that
// retired nothing (its first instruction faulted) shares its count with the handler entered
// next, which takes the slot.
//
// The dump finds each block's decoding mode and linear address in the block cache and
// decodes the instructions again from guest memory, so the ring never points into the cache.
// It is a debugging aid, not machine state: snapshots leave it out, nothing in the machine
// reads it.
#pragma once
#include <cstdint>

#include "mmu/types.h"

namespace pvlab {

class TraceRing {
 public:
  static constexpr unsigned kSize = 256;   // instructions of history; a uint8_t slot index
  static constexpr paddr_t kNone = ~paddr_t(0);

  TraceRing() { clear(); }
  PVLAB_INLINE void enter(paddr_t phys, uint64_t insns) {
    const uint8_t slot = uint8_t(insns);
    phys_[slot] = phys;
    count_[slot] = insns;
  }
  void clear() {
    for (unsigned k = 0; k < kSize; ++k) {
      phys_[k] = kNone;
      count_[k] = ~uint64_t(0);
    }
  }
  // The physical address of the block entered when the instruction count was `insns`, or
  // kNone when no block was entered then (or the entry was overwritten since).
  paddr_t entered_at(uint64_t insns) const {
    const uint8_t slot = uint8_t(insns);
    return count_[slot] == insns ? phys_[slot] : kNone;
  }

 private:
  paddr_t phys_[kSize];
  uint64_t count_[kSize];
};

}  // namespace pvlab
