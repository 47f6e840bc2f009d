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

bool BranchPredictor::btb_lookup(uint32_t eip, uint32_t& target) {
  BtbEntry* set = &btb_[(eip & (btb_sets_ - 1)) * btb_assoc_];
  for (uint32_t w = 0; w < btb_assoc_; ++w) {
    if (set[w].tag != eip) continue;
    const BtbEntry hit = set[w];
    for (; w > 0; --w) set[w] = set[w - 1];
    set[0] = hit;
    target = hit.target;
    return true;
  }
  return false;
}

void BranchPredictor::btb_insert(uint32_t eip, uint32_t target) {
  BtbEntry* set = &btb_[(eip & (btb_sets_ - 1)) * btb_assoc_];
  uint32_t w = 0;
  while (w < btb_assoc_ - 1 && set[w].tag != eip) ++w;
  for (; w > 0; --w) set[w] = set[w - 1];
  set[0] = {eip, target};
}

Prediction BranchPredictor::resolve(BranchKind kind, uint32_t eip, uint32_t len, uint32_t next) {
  const uint32_t fall = eip + len;
  const bool taken = next != fall;
  ++st_.branches;
  st_.taken += taken;
  uint32_t target = 0;
  const bool btb_hit = btb_lookup(eip, target);
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
      if (!btb_hit || target != next) {
        p = Prediction::Mispredict;
        ++st_.target_mispredicts;
      }
      break;
    case BranchKind::Return: {
      const bool ok = ras_count_ && ras_[ras_top_] == next;
      if (ras_count_) {
        ras_top_ = ras_top_ ? ras_top_ - 1 : uint32_t(ras_.size()) - 1;
        --ras_count_;
      }
      if (!ok) {
        p = Prediction::Mispredict;
        ++st_.return_mispredicts;
      }
      break;
    }
    case BranchKind::None: break;
  }
  if ((kind == BranchKind::Call || kind == BranchKind::IndirectCall) && !ras_.empty()) {
    ras_top_ = ras_top_ + 1 == ras_.size() ? 0 : ras_top_ + 1;
    ras_[ras_top_] = fall;
    if (ras_count_ < ras_.size()) ++ras_count_;
  }
  if (taken && kind != BranchKind::Return) btb_insert(eip, next);
  if (p == Prediction::Mispredict) ++st_.mispredicts;
  if (p == Prediction::BtbMiss) ++st_.btb_misses;
  return p;
}

}  // namespace pvlab
