// The out-of-order model's state as bytes, for snapshots, recordings and the debugger's
// reverse history: a machine restored with it goes on with warm caches, TLB-walk counts,
// predictor tables, in-flight window and unit records and counters, so its cycle counter and
// CPI stack end exactly where an uninterrupted run's do.
//
// Not state: the table of instruction shapes (worked out again from the decoded blocks, which
// a restore empties) and the configuration and function map (the machine is rebuilt with the
// same ones; the sizes written here are checked against them). Unit slot tables keep only the
// cycles dispatch can still reach, so two models that will time the rest of a run alike write
// the same bytes.
//
// To add a field to the model: write it in save_state() and read it in load_state() at the
// same place, and raise kSnapshotVersion in frontend/snapshot.h.
#include <cstring>
#include <string>

#include "cpu/timing/ooo.h"
#include "devices/state_io.h"

namespace pvlab {

void OooModel::SlotTable::save(StateWriter& w, uint64_t from) const {
  uint32_t n = 0;
  for (const Slot& s : slots_) n += s.cycle != ~0ull && s.cycle >= from;
  w.u32(n);
  for (const Slot& s : slots_) {
    if (s.cycle == ~0ull || s.cycle < from) continue;
    w.u64(s.cycle);
    w.u64(s.used);
  }
}

bool OooModel::SlotTable::load(StateReader& r) {
  const uint32_t n = r.u32();
  if (!r.check(n <= kWindow, "timing model slot table longer than its window")) return false;
  std::vector<Slot> slots(kWindow);
  for (uint32_t k = 0; k < n; ++k) {
    const uint64_t cycle = r.u64(), used = r.u64();
    if (!r.ok()) return false;
    Slot& s = slots[cycle & (kWindow - 1)];
    if (s.cycle != ~0ull || cycle == ~0ull || used == 0 || used > per_cycle_)
      return r.fail("timing model slot table entry");
    s = {cycle, used};
  }
  slots_ = std::move(slots);
  return true;
}

// ---- the model --------------------------------------------------------------------------------

void OooModel::save_state(StateWriter& w) const {
  w.tag("OOOM");
  save_caches(w);
  bp_.save(w);
  for (const InOrderSlots* s : {&fetch_slots_, &dispatch_slots_, &retire_slots_}) {
    w.u64(s->cycle);
    w.u32(s->used);
  }
  for (const SlotTable* t : {&alu_, &mul_, &branch_, &load_, &store_}) t->save(w, last_dispatch_);
  w.u32(uint32_t(div_free_.size()));
  for (uint64_t c : div_free_) w.u64(c);
  for (const WindowHistory* h : {&rob_, &rs_, &lq_, &sq_}) h->save(w);
  for (const StoreRec& s : stores_) {
    w.u64(s.word);
    w.u64(s.ready);
  }
  for (uint64_t c : reg_ready_) w.u64(c);
  for (uint32_t v : pre_) w.u32(v);
  w.u32(expect_eip_);
  w.u64(fetch_line_);
  w.u64(fetch_ready_);
  w.u64(fetch_delay_);
  w.u8(uint8_t(fetch_cause_));
  for (uint64_t v : {last_dispatch_, last_retire_, last_complete_, last_written_, walk_cycles_, walk_seen_,
                     hv_pending_})
    w.u64(v);
  save_counters(w);
  save_memory(w);
}

bool OooModel::load_state(StateReader& r, Cpu& cpu) {
  if (!read_engine_tag(r, "OOOM")) return false;
  if (!load_caches(r) || !bp_.load(r)) return false;
  for (InOrderSlots* s : {&fetch_slots_, &dispatch_slots_, &retire_slots_}) {
    s->cycle = r.u64();
    s->used = r.u32();
    if (r.ok() && s->used > s->width) return r.fail("timing model stage slots beyond its width");
  }
  for (SlotTable* t : {&alu_, &mul_, &branch_, &load_, &store_})
    if (!t->load(r)) return false;
  if (!state_size_is(r, r.u32(), div_free_.size(), "dividers")) return false;
  for (uint64_t& c : div_free_) c = r.u64();
  for (WindowHistory* h : {&rob_, &rs_, &lq_, &sq_})
    if (!h->load(r)) return false;
  for (StoreRec& s : stores_) {
    s.word = r.u64();
    s.ready = r.u64();
  }
  for (uint64_t& c : reg_ready_) c = r.u64();
  for (uint32_t& v : pre_) v = r.u32();
  expect_eip_ = r.u32();
  fetch_line_ = r.u64();
  fetch_ready_ = r.u64();
  fetch_delay_ = r.u64();
  const uint8_t cause = r.u8();
  if (r.ok() && cause >= uint8_t(CpiCause::kCount)) return r.fail("timing model CPI cause");
  fetch_cause_ = CpiCause(cause);
  for (uint64_t* v : {&last_dispatch_, &last_retire_, &last_complete_, &last_written_, &walk_cycles_, &walk_seen_,
                      &hv_pending_})
    *v = r.u64();
  SavedCounters counters;
  if (!load_counters(r, counters) || !load_memory(r) || !r.ok()) return false;
  take_counters(counters, cpu, bp_.stats());
  seen_sum_ = walk_seen_ + itlb_seen_ + dtlb_seen_;
  std::memset(comp_, 0, sizeof comp_);
  comp_mask_ = 0;
  for (InsnShape& sh : shapes_) sh.key = nullptr;   // the decoded blocks are new
  shape_gen_ = ~0ull;
  return true;
}

}  // namespace pvlab
