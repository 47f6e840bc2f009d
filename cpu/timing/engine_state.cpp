// The parts of a timing engine's saved state both engines write alike (cpu/timing/ooo_state.cpp,
// pipeline_state.cpp): the caches, the branch predictor, the counters and CPI stacks, and the
// engine's tag. Each engine writes them at its own places in its blob; changing what one of
// them writes changes both engines' blobs (raise kSnapshotVersion in frontend/snapshot.h).
#include <string>

#include "cpu/timing/engine_common.h"
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

// The engines' tags and the names a refusal gives them.
struct EngineTag {
  const char* tag;
  const char* name;
};
constexpr EngineTag kEngineTags[] = {{"OOOM", "the fast engine (engine = fast)"},
                                     {"PIPE", "the cycle engine (engine = cycle)"}};

}  // namespace

bool state_size_is(StateReader& r, uint64_t got, uint64_t want, const char* what) {
  if (!r.ok()) return false;
  if (got == want) return true;
  return r.fail(std::string("timing model ") + what + " of " + std::to_string(got) + " (this configuration has " +
                std::to_string(want) + ")");
}

// ---- the parts --------------------------------------------------------------------------------

void TimingCache::save(StateWriter& w) const {
  w.tag("TCCH");
  w.u64(tags_.size());
  for (uint64_t t : tags_) w.u64(t);
  w.u64(hits_);
  w.u64(misses_);
}

bool TimingCache::load(StateReader& r) {
  if (!r.tag("TCCH") || !state_size_is(r, r.u64(), tags_.size(), "cache lines")) return false;
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
  if (!r.tag("BPRD") || !state_size_is(r, r.u32(), btb_.size(), "BTB entries")) return false;
  std::vector<BtbEntry> btb(btb_.size());
  for (BtbEntry& e : btb) {
    e.tag = r.u32();
    e.target = r.u32();
  }
  if (!state_size_is(r, r.u32(), pht_.size(), "predictor counters")) return false;
  std::vector<uint8_t> pht(pht_.size());
  r.bytes(pht.data(), pht.size());
  for (uint8_t c : pht)
    if (r.ok() && c > 3) return r.fail("branch predictor counter beyond 2 bits");
  const uint32_t ghr = r.u32();
  if (!state_size_is(r, r.u32(), ras_.size(), "return stack entries")) return false;
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

// ---- the engine's common state ----------------------------------------------------------------

bool EngineCommon::read_engine_tag(StateReader& r, const char (&tag)[5]) {
  uint8_t b[4];
  if (!r.bytes(b, 4)) return false;
  const std::string got(reinterpret_cast<const char*>(b), 4), want(tag, 4);
  if (got == want) return true;
  std::string mine = want, theirs;
  for (const EngineTag& t : kEngineTags) {
    if (want == t.tag) mine = t.name;
    if (got == t.tag) theirs = t.name;
  }
  if (!theirs.empty())
    return r.fail("timing model state written by " + theirs + "; this machine's model is " + mine);
  return r.fail("missing section '" + want + "' (the timing model's state)");
}

void EngineCommon::save_caches(StateWriter& w) const {
  for (const TimingCache* c : {&mem_.l1i, &mem_.l1d, &mem_.l2}) c->save(w);
}

bool EngineCommon::load_caches(StateReader& r) {
  return mem_.l1i.load(r) && mem_.l1d.load(r) && mem_.l2.load(r);
}

void EngineCommon::save_counters(StateWriter& w) const {
  // TLB misses the engine has not yet seen (the TLB's counters are not machine state).
  w.u64(cpu_ ? cpu_->mmu().itlb().stats().misses - itlb_seen_ : 0);
  w.u64(cpu_ ? cpu_->mmu().dtlb().stats().misses - dtlb_seen_ : 0);
  TimingStats st = st_;
  each_counter(st, [&](uint64_t& v) { w.u64(v); });
  w.u32(uint32_t(fn_.size()));
  for (const FunctionStats& f : fn_) {
    w.u64(f.insns);
    for (uint64_t c : f.cpi) w.u64(c);
  }
}

bool EngineCommon::load_counters(StateReader& r, SavedCounters& c) {
  c.itlb_unseen = r.u64();
  c.dtlb_unseen = r.u64();
  each_counter(c.st, [&](uint64_t& v) { v = r.u64(); });
  if (!state_size_is(r, r.u32(), fn_.size(), "function table")) return false;
  for (FunctionStats& f : fn_) {
    f.insns = r.u64();
    for (uint64_t& v : f.cpi) v = r.u64();
  }
  return r.ok();
}

void EngineCommon::take_counters(const SavedCounters& c, Cpu& cpu, const BranchStats& branches) {
  st_ = c.st;
  st_.branches = branches;
  itlb_seen_ = cpu.mmu().itlb().stats().misses - c.itlb_unseen;
  dtlb_seen_ = cpu.mmu().dtlb().stats().misses - c.dtlb_unseen;
}

}  // namespace pvlab
