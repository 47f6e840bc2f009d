// The branch predictor of the timing model: a set-associative branch target buffer (LRU), a
// gshare direction predictor (2-bit counters indexed by the branch address xor the global
// history of conditional outcomes) and a return stack. It is told each retired branch with
// its real outcome and answers whether the front end would have followed the right path.
#pragma once
#include <cstdint>
#include <vector>

#include "cpu/timing/config.h"
#include "mmu/types.h"

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
  PVLAB_INLINE Prediction resolve(BranchKind kind, uint32_t eip, uint32_t len, uint32_t next) {
    const uint32_t fall = eip + len;
    const bool taken = next != fall;
    ++st_.branches;
    st_.taken += taken;
    // A BTB hit is made the most recently used way, so set[0] holds it afterwards.
    BtbEntry* set = &btb_[(eip & (btb_sets_ - 1)) * btb_assoc_];
    const bool btb_hit = set[0].tag == eip || btb_promote(set, eip);
    Prediction p = Prediction::Correct;
    switch (kind) {
      case BranchKind::Cond: {
        ++st_.cond;
        uint8_t& ctr = pht_[(eip ^ (ghr_ & hist_mask_)) & pht_mask_];
        const bool pred_taken = ctr >= 2;
        if (pred_taken != taken) {
          p = Prediction::Mispredict;
          ++st_.cond_mispredicts;
        } else if (taken && !btb_hit) {
          p = Prediction::BtbMiss;
        }
        if (taken && ctr < 3) ++ctr;
        if (!taken && ctr > 0) --ctr;
        ghr_ = (ghr_ << 1) | (taken ? 1u : 0u);
        break;
      }
      case BranchKind::Jump:
      case BranchKind::Call:
        if (!btb_hit) p = Prediction::BtbMiss;
        break;
      case BranchKind::IndirectJump:
      case BranchKind::IndirectCall:
        if (!btb_hit || set[0].target != next) {
          p = Prediction::Mispredict;
          ++st_.target_mispredicts;
        }
        break;
      case BranchKind::Return: p = predict_return(next); break;
      case BranchKind::None: break;
    }
    if ((kind == BranchKind::Call || kind == BranchKind::IndirectCall) && !ras_.empty()) push_return(fall);
    // A taken branch's target goes into the BTB: over the hit's own entry, else as a new most
    // recently used way.
    if (taken && kind != BranchKind::Return) {
      if (btb_hit) set[0].target = next;
      else btb_fill(set, eip, next);
    }
    if (p == Prediction::Mispredict) ++st_.mispredicts;
    if (p == Prediction::BtbMiss) ++st_.btb_misses;
    return p;
  }
  const BranchStats& stats() const { return st_; }
  // Tables, history, return stack and counters as bytes (cpu/timing/ooo_state.cpp).
  void save(StateWriter& w) const;
  bool load(StateReader& r);

 private:
  struct BtbEntry;
  // `eip` in a way of `set` past the first: moved to the front (true), or not there.
  bool btb_promote(BtbEntry* set, uint32_t eip);
  // A new entry at the front of `set`, the least recently used way dropped.
  void btb_fill(BtbEntry* set, uint32_t eip, uint32_t target);
  // A return to `next`: pops the return stack and says whether its top was right.
  Prediction predict_return(uint32_t next);
  void push_return(uint32_t fall) {
    ras_top_ = ras_top_ + 1 == ras_.size() ? 0 : ras_top_ + 1;
    ras_[ras_top_] = fall;
    if (ras_count_ < ras_.size()) ++ras_count_;
  }

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
