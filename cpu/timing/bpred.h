// The branch predictor of the timing model: a set-associative branch target buffer (LRU), a
// gshare direction predictor (2-bit counters indexed by the branch address xor the global
// history of conditional outcomes) and a return stack. It is told each retired branch with
// its real outcome and answers whether the front end would have followed the right path.
#pragma once
#include <cstdint>
#include <vector>

#include "cpu/timing/config.h"

namespace pvlab {

class StateReader;
class StateWriter;

enum class BranchKind : uint8_t { None, Cond, Jump, Call, IndirectJump, IndirectCall, Return };

enum class Prediction : uint8_t {
  Correct,
  Mispredict,   // wrong direction or target: the window is flushed at resolution
  BtbMiss,      // a taken direct branch the BTB did not know: the decoder redirects fetch
};

struct BranchStats {
  uint64_t branches = 0, cond = 0, taken = 0;
  uint64_t mispredicts = 0, cond_mispredicts = 0, target_mispredicts = 0, return_mispredicts = 0;
  uint64_t btb_misses = 0;
};

class BranchPredictor {
 public:
  explicit BranchPredictor(const TimingConfig& c);

  // One retired branch at `eip`, `len` bytes long, that went to `next` (the fall-through
  // address when not taken). Predicts, then trains.
  Prediction resolve(BranchKind kind, uint32_t eip, uint32_t len, uint32_t next);
  const BranchStats& stats() const { return st_; }
  // Tables, history, return stack and counters as bytes (cpu/timing/ooo_state.cpp).
  void save(StateWriter& w) const;
  bool load(StateReader& r);

 private:
  // The BTB's target for eip, or false on a miss (the hit becomes most recently used).
  bool btb_lookup(uint32_t eip, uint32_t& target);
  void btb_insert(uint32_t eip, uint32_t target);

  struct BtbEntry {
    uint32_t tag = ~0u;
    uint32_t target = 0;
  };
  uint32_t btb_sets_, btb_assoc_;
  std::vector<BtbEntry> btb_;
  std::vector<uint8_t> pht_;
  uint32_t pht_mask_, hist_mask_;
  uint32_t ghr_ = 0;
  std::vector<uint32_t> ras_;
  uint32_t ras_top_ = 0, ras_count_ = 0;
  BranchStats st_;
};

}  // namespace pvlab
