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

#include "cpu/timing/ooo.h"
#include "devices/state_io.h"

namespace pvlab {

namespace {

void save_branch_stats(StateWriter& w, const BranchStats& b) {
  for (uint64_t v : {b.branches, b.cond, b.taken, b.mispredicts, b.cond_mispredicts, b.target_mispredicts,
                     b.return_mispredicts, b.btb_misses})
    w.u64(v);
}

void load_branch_stats(StateReader& r, BranchStats& b) {
  for (uint64_t* v : {&b.branches, &b.cond, &b.taken, &b.mispredicts, &b.cond_mispredicts, &b.target_mispredicts,
                      &b.return_mispredicts, &b.btb_misses})
    *v = r.u64();
}

// Every counter of TimingStats but the branch ones (the predictor keeps those).
template <class F>
void each_counter(TimingStats& t, F f) {
  for (uint64_t& c : t.cpi) f(c);
  for (uint64_t* v : {&t.insns, &t.uops, &t.cycles, &t.loads, &t.stores, &t.l1d_hits, &t.l1d_misses, &t.l1i_hits,
                      &t.l1i_misses, &t.l2_hits, &t.l2_misses, &t.itlb_misses, &t.dtlb_misses, &t.walk_cycles,
                      &t.walk_reads, &t.walk_l1d_hits, &t.walk_l2_hits, &t.serializing, &t.forwarded,
                      &t.hv_entries, &t.hv_hypercalls, &t.hv_bounces, &t.hv_flushes, &t.mshr_merges,
                      &t.mshr_full, &t.prefetches, &t.prefetches_useful, &t.hv_checked, &t.hv_mem,
                      &t.hv_mem_l1d_hits, &t.hv_mem_l2_hits, &t.hv_work_cycles})
    f(*v);
}

bool size_is(StateReader& r, uint64_t got, uint64_t want, const char* what) {
  if (!r.ok()) return false;
  if (got == want) return true;
  return r.fail(std::string("timing model ") + what + " of " + std::to_string(got) + " (this configuration has " +
                std::to_string(want) + ")");
}

}  // namespace

// ---- the parts --------------------------------------------------------------------------------

void TimingCache::save(StateWriter& w) const {
  w.tag("TCCH");
  w.u64(tags_.size());
  for (uint64_t t : tags_) w.u64(t);
  w.u64(hits_);
  w.u64(misses_);
}

bool TimingCache::load(StateReader& r) {
  if (!r.tag("TCCH") || !size_is(r, r.u64(), tags_.size(), "cache lines")) return false;
  std::vector<uint64_t> tags(tags_.size());
  for (uint64_t& t : tags) {
    t = r.u64();
    // A valid tag names a line whose set is the one it sits in.
    const size_t set = size_t(&t - tags.data()) / p_.assoc;
    if (r.ok() && t != kEmpty && (t & (sets_ - 1)) != set) return r.fail("timing cache tag in the wrong set");
  }
  const uint64_t hits = r.u64(), misses = r.u64();
  if (!r.ok()) return false;
  tags_ = std::move(tags);
  hits_ = hits;
  misses_ = misses;
  return true;
}

void BranchPredictor::save(StateWriter& w) const {
  w.tag("BPRD");
  w.u32(uint32_t(btb_.size()));
  for (const BtbEntry& e : btb_) {
    w.u32(e.tag);
    w.u32(e.target);
  }
  w.u32(uint32_t(pht_.size()));
  w.bytes(pht_.data(), pht_.size());
  w.u32(ghr_);
  w.u32(uint32_t(ras_.size()));
  for (uint32_t v : ras_) w.u32(v);
  w.u32(ras_top_);
  w.u32(ras_count_);
  save_branch_stats(w, st_);
}

bool BranchPredictor::load(StateReader& r) {
  if (!r.tag("BPRD") || !size_is(r, r.u32(), btb_.size(), "BTB entries")) return false;
  std::vector<BtbEntry> btb(btb_.size());
  for (BtbEntry& e : btb) {
    e.tag = r.u32();
    e.target = r.u32();
  }
  if (!size_is(r, r.u32(), pht_.size(), "predictor counters")) return false;
  std::vector<uint8_t> pht(pht_.size());
  r.bytes(pht.data(), pht.size());
  for (uint8_t c : pht)
    if (r.ok() && c > 3) return r.fail("branch predictor counter beyond 2 bits");
  const uint32_t ghr = r.u32();
  if (!size_is(r, r.u32(), ras_.size(), "return stack entries")) return false;
  std::vector<uint32_t> ras(ras_.size());
  for (uint32_t& v : ras) v = r.u32();
  const uint32_t top = r.u32(), count = r.u32();
  BranchStats st;
  load_branch_stats(r, st);
  if (!r.ok()) return false;
  if ((!ras.empty() && top >= ras.size()) || count > ras.size()) return r.fail("return stack pointer beyond the stack");
  btb_ = std::move(btb);
  pht_ = std::move(pht);
  ghr_ = ghr;
  ras_ = std::move(ras);
  ras_top_ = top;
  ras_count_ = count;
  st_ = st;
  return true;
}

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
  mem_.l1i.save(w);
  mem_.l1d.save(w);
  mem_.l2.save(w);
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
  // TLB misses the model has not yet seen (the TLB's counters are not machine state).
  w.u64(cpu_ ? cpu_->mmu().itlb().stats().misses - itlb_seen_ : 0);
  w.u64(cpu_ ? cpu_->mmu().dtlb().stats().misses - dtlb_seen_ : 0);
  TimingStats st = st_;
  each_counter(st, [&](uint64_t& v) { w.u64(v); });
  w.u32(uint32_t(fn_.size()));
  for (const FunctionStats& f : fn_) {
    w.u64(f.insns);
    for (uint64_t c : f.cpi) w.u64(c);
  }
  save_memory(w);
}

bool OooModel::load_state(StateReader& r, Cpu& cpu) {
  if (!r.tag("OOOM")) return false;
  if (!mem_.l1i.load(r) || !mem_.l1d.load(r) || !mem_.l2.load(r) || !bp_.load(r)) return false;
  for (InOrderSlots* s : {&fetch_slots_, &dispatch_slots_, &retire_slots_}) {
    s->cycle = r.u64();
    s->used = r.u32();
    if (r.ok() && s->used > s->width) return r.fail("timing model stage slots beyond its width");
  }
  for (SlotTable* t : {&alu_, &mul_, &branch_, &load_, &store_})
    if (!t->load(r)) return false;
  if (!size_is(r, r.u32(), div_free_.size(), "dividers")) return false;
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
  const uint64_t itlb_unseen = r.u64(), dtlb_unseen = r.u64();
  BranchStats keep = bp_.stats();
  TimingStats st;
  each_counter(st, [&](uint64_t& v) { v = r.u64(); });
  st.branches = keep;
  if (!size_is(r, r.u32(), fn_.size(), "function table")) return false;
  for (FunctionStats& f : fn_) {
    f.insns = r.u64();
    for (uint64_t& c : f.cpi) c = r.u64();
  }
  if (!load_memory(r) || !r.ok()) return false;
  st_ = st;
  itlb_seen_ = cpu.mmu().itlb().stats().misses - itlb_unseen;
  dtlb_seen_ = cpu.mmu().dtlb().stats().misses - dtlb_unseen;
  seen_sum_ = walk_seen_ + itlb_seen_ + dtlb_seen_;
  std::memset(comp_, 0, sizeof comp_);
  comp_mask_ = 0;
  for (InsnShape& sh : shapes_) sh.key = nullptr;   // the decoded blocks are new
  shape_gen_ = ~0ull;
  return true;
}

}  // namespace pvlab
