#include "cpu/timing/bpred.h"

namespace pvlab {

BranchPredictor::BranchPredictor(const TimingConfig& c)
    : btb_sets_(c.btb_entries / c.btb_assoc),
      btb_assoc_(c.btb_assoc),
      btb_(c.btb_entries),
      pht_(c.pht_entries, 1),   // weakly not taken
      pht_mask_(c.pht_entries - 1),
      hist_mask_(c.history_bits >= 32 ? ~0u : (1u << c.history_bits) - 1),
      ras_(c.ras_entries) {}

bool BranchPredictor::btb_promote(BtbEntry* set, uint32_t eip) {
  for (uint32_t w = 1; w < btb_assoc_; ++w) {
    if (set[w].tag != eip) continue;
    const BtbEntry hit = set[w];
    for (; w > 0; --w) set[w] = set[w - 1];
    set[0] = hit;
    return true;
  }
  return false;
}

void BranchPredictor::btb_fill(BtbEntry* set, uint32_t eip, uint32_t target) {
  for (uint32_t w = btb_assoc_ - 1; w > 0; --w) set[w] = set[w - 1];
  set[0] = {eip, target};
}

Prediction BranchPredictor::predict_return(uint32_t next) {
  const bool ok = ras_count_ && ras_[ras_top_] == next;
  if (ras_count_) {
    ras_top_ = ras_top_ ? ras_top_ - 1 : uint32_t(ras_.size()) - 1;
    --ras_count_;
  }
  if (ok) return Prediction::Correct;
  ++st_.return_mispredicts;
  return Prediction::Mispredict;
}

}  // namespace pvlab
