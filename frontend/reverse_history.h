// What a Session keeps for reverse execution (frontend/session.h, session_reverse.cpp): its
// in-memory snapshots and the instruction counts at which every run stopped.
#pragma once
#include <cstdint>
#include <vector>

#include "frontend/session.h"

namespace pvlab {

struct ReverseHistory {
  struct Snap {
    uint64_t insns = 0;
    std::vector<uint8_t> mach;   // Target::save_state, then TimingModels::save under a model
    std::vector<uint8_t> ram;    // RAM, zstd
  };
  uint64_t interval = Session::kReverseInterval;
  std::vector<Snap> snaps;       // ascending by insns; snaps[0] is the start of the history
  std::vector<uint64_t> stops;   // ascending: the counts where a run stopped
  uint64_t furthest = 0;         // the furthest count reached
  bool dirty = false;            // a register or memory was written: start a new history
};

}  // namespace pvlab
