// What a Session keeps for reverse execution (frontend/session.h, session_reverse.cpp): its
// in-memory snapshots, the instruction counts at which every run stopped, and (several vcpus)
// where a step gave a vcpu its turn. A point of the history is the count of instructions all
// vcpus retired: the scheduler interleaves them deterministically, so it names one state.
#pragma once
#include <cstdint>
#include <utility>
#include <vector>

#include "frontend/session.h"

namespace pvlab {

struct ReverseHistory {
  struct Snap {
    uint64_t insns = 0;
    std::vector<uint64_t> vcpu_insns;   // each vcpu's own count
    std::vector<uint8_t> mach;   // Target::save_state, then TimingModels::save under a model
    std::vector<uint8_t> ram;    // RAM, zstd
  };
  uint64_t interval = Session::kReverseInterval;
  std::vector<Snap> snaps;       // ascending by insns; snaps[0] is the start of the history
  std::vector<uint64_t> stops;   // ascending: the counts where a run stopped
  // (count, vcpu): a step of that vcpu began its turn there (Target::focus_vcpu), which a
  // replay does again at the same count. Ascending by count.
  std::vector<std::pair<uint64_t, unsigned>> focus;
  uint64_t furthest = 0;         // the furthest count reached
  bool dirty = false;            // a register or memory was written: start a new history
};

// A breakpoint, watchpoint or caught-event hit a replay met: where, what, and on which vcpu.
struct RevHit {
  uint64_t at = 0;
  DebugHit hit;
  unsigned vcpu = 0;
};

}  // namespace pvlab
