// Reverse execution for the debugging Session (frontend/session.h): the history of a run
// (in-memory snapshots and the instruction counts at which every run stopped), and going
// back as "restore the nearest snapshot, run forward through the same stops".
//
// Several vcpus. A point is the count of instructions all vcpus retired; the scheduler's
// interleaving is part of the machine's state, so a replay through the same stops meets the
// same states. A step gives the stepped vcpu its turn (Target::focus_vcpu): the history notes
// where, and a replay does it again there. Stepping back one instruction of vcpu V goes to
// the point just before V retired its last one: a first replay finds that point (watching
// V's retired instructions), a second goes there.
#include <zstd.h>

#include <algorithm>
#include <stdexcept>

#include "frontend/reverse_history.h"
#include "frontend/session.h"
#include "frontend/timing_setup.h"
#include "hyper/hypervisor.h"
#include "hyper/layout.h"

namespace pvlab {

namespace {

constexpr int kZstdLevel = 1;
constexpr size_t kMaxSnaps = 64;   // past this every other one is dropped

}  // namespace

bool Session::enable_reverse(uint64_t interval, std::string& error) {
  Lock l(*this);
  if (target_->ended()) {
    error = rev_refusal_ = "reverse execution: the machine has already ended";
    return false;
  }
  rev_refusal_.clear();
  rev_ = std::make_unique<ReverseHistory>();
  rev_->interval = interval ? interval : kReverseInterval;
  rev_snapshot();
  return true;
}

uint64_t Session::insns_now() {
  uint64_t t = 0;
  for (unsigned i = 0; i < target_->vcpus(); ++i) t += target_->cpu(i).s.insns;
  return t;
}

void Session::rev_snapshot() {
  ReverseHistory& h = *rev_;
  ReverseHistory::Snap s;
  s.insns = insns_now();
  for (unsigned i = 0; i < target_->vcpus(); ++i) s.vcpu_insns.push_back(target_->cpu(i).s.insns);
  StateWriter w;
  target_->save_state(w);
  if (timing_) timing_->save(w);
  s.mach = w.take();
  PhysMem& ram = target_->ram();
  s.ram.resize(ZSTD_compressBound(ram.size()));
  const size_t n = ZSTD_compress(s.ram.data(), s.ram.size(), ram.ptr(0), ram.size(), kZstdLevel);
  if (ZSTD_isError(n)) throw std::runtime_error(std::string("zstd: ") + ZSTD_getErrorName(n));
  s.ram.resize(n);
  s.ram.shrink_to_fit();
  while (!h.snaps.empty() && h.snaps.back().insns >= s.insns) h.snaps.pop_back();
  h.snaps.push_back(std::move(s));
  if (h.snaps.size() > kMaxSnaps) {
    std::vector<ReverseHistory::Snap> keep;
    for (size_t i = 0; i < h.snaps.size(); ++i)
      if (i == 0 || i % 2 == 0 || i + 1 == h.snaps.size()) keep.push_back(std::move(h.snaps[i]));
    h.snaps = std::move(keep);
  }
  if (h.stops.empty() || h.stops.back() < h.snaps.back().insns) h.stops.push_back(h.snaps.back().insns);
  h.furthest = std::max(h.furthest, h.snaps.back().insns);
}

bool Session::rev_restore(size_t snap) {
  const ReverseHistory::Snap& s = rev_->snaps[snap];
  StateReader r(s.mach);
  if (!target_->load_state(r) || (timing_ && !timing_->load(r))) return false;
  PhysMem& ram = target_->ram();
  const size_t n = ZSTD_decompress(ram.ptr(0), ram.size(), s.ram.data(), s.ram.size());
  ram.mark_all_dirty();   // RAM replaced wholesale (mmu/phys_mem.h)
  return !ZSTD_isError(n) && n == ram.size();
}

// Before a forward run: a write since the last run starts a new history here; a run from a
// point in the past drops the future it had.
void Session::rev_before_run() {
  ReverseHistory& h = *rev_;
  const uint64_t now = insns_now();
  if (h.dirty) {
    h.dirty = false;
    h.snaps.clear();
    h.stops.clear();
    h.focus.clear();
    h.furthest = 0;
    rev_snapshot();
    return;
  }
  if (now < h.furthest) {
    while (h.snaps.size() > 1 && h.snaps.back().insns > now) h.snaps.pop_back();
    while (!h.stops.empty() && h.stops.back() > now) h.stops.pop_back();
    // The point reached by a replay is before any turn given there (a replay ends first).
    while (!h.focus.empty() && h.focus.back().first >= now) h.focus.pop_back();
    if (h.stops.empty() || h.stops.back() < now) h.stops.push_back(now);
    h.furthest = now;
  }
}

void Session::rev_after_run(bool ended) {
  ReverseHistory& h = *rev_;
  const uint64_t now = insns_now();
  if (h.stops.empty() || h.stops.back() < now) h.stops.push_back(now);
  h.furthest = std::max(h.furthest, now);
  if (!ended && now - h.snaps.back().insns >= h.interval) rev_snapshot();
}

void Session::rev_note_focus(unsigned vcpu) {
  if (target_->vcpus() == 1) return;
  rev_->focus.push_back({insns_now(), vcpu});
}

bool Session::rev_replay_to(uint64_t k, bool breaks, std::vector<RevHit>* hits, size_t from) {
  ReverseHistory& h = *rev_;
  size_t snap = 0;
  while (snap + 1 < h.snaps.size() && h.snaps[snap + 1].insns <= k) ++snap;
  if (from < snap) snap = from;
  if (!rev_restore(snap)) return false;
  target_->mute_output(true);
  uint64_t now = insns_now();
  // The turns steps gave, done again where they were given (before the run from there).
  auto focus = std::lower_bound(h.focus.begin(), h.focus.end(), std::make_pair(now, 0u));
  auto give_turns = [&] {
    while (focus != h.focus.end() && focus->first < now) ++focus;
    for (; focus != h.focus.end() && focus->first == now; ++focus) target_->focus_vcpu(focus->second);
  };
  // The re-run starts a run at every count the first run stopped at, each leaving the
  // breakpoint it starts on (as the debugger resumes): look for breakpoints at those points
  // here, on the vcpu the run starts with.
  auto breakpoint_here = [&] {
    if (!hits || now >= k) return;
    const unsigned v = target_->next_vcpu();
    const Cpu& c = target_->cpu(v);
    const uint32_t pc = c.s.seg[CS].base + c.s.eip;
    if (!std::binary_search(breaks_.lin.begin(), breaks_.lin.end(), pc)) return;
    if (!hits->empty() && hits->back().at == now && hits->back().hit.kind == DebugHit::Kind::Breakpoint) return;
    RevHit hit;
    hit.at = now;
    hit.hit.kind = DebugHit::Kind::Breakpoint;
    hit.vcpu = v;
    hits->push_back(hit);
  };
  if (breaks) {
    sync_breaks();
  } else {
    for (unsigned i = 0; i < target_->vcpus(); ++i) target_->cpu(i).set_debug_breaks(nullptr);
  }
  auto next = std::upper_bound(h.stops.begin(), h.stops.end(), now);
  unsigned stalled = 0;
  bool ok = true;
  while (now < k) {
    give_turns();
    if (breaks) breakpoint_here();
    const uint64_t until = (next != h.stops.end() && *next < k) ? *next : k;
    breaks_.hit = DebugHit{};
    // The breakpoint where this run starts was looked at above (breakpoint_here): leave it.
    if (breaks) target_->cpu(target_->next_vcpu()).skip_breakpoint_at_eip();
    const TargetRun r = target_->run(until - now);
    const uint64_t was = now;
    now = insns_now();
    if (r.ended) {
      ok = false;
      break;
    }
    if (r.stop == StopReason::Breakpoint && breaks && hits && now < k &&
        breaks_.hit.kind != DebugHit::Kind::Breakpoint) {
      bool skip = false;
      const DebugHit& dh = breaks_.hit;
      if (dh.kind == DebugHit::Kind::Event && hcall_failed_only_ && target_->hypervisor() &&
          dh.event_kind == uint8_t(EventKind::SoftInt) && dh.vector == hyper::kHypercallVector) {
        const auto& recent = target_->hypervisor()->hypercall_log().recent();
        skip = !recent.empty() && recent.back().result >= 0;
      }
      if (!skip) hits->push_back(RevHit{now, dh, target_->current_vcpu()});
    }
    stalled = now == was ? stalled + 1 : 0;
    if (stalled > 1000) {
      ok = false;
      break;
    }
    while (next != h.stops.end() && *next <= now) ++next;
  }
  target_->mute_output(false);
  sync_breaks();
  breaks_.hit = DebugHit{};
  return ok && now == k;
}

StopInfo Session::rev_goto_locked(uint64_t k, std::optional<unsigned> vcpu) {
  ReverseHistory& h = *rev_;
  const uint64_t begin = h.snaps.front().insns;
  k = std::clamp(k, begin, h.furthest);
  if (!rev_replay_to(k, false, nullptr)) {
    StopInfo s = make_stop(StopInfo::Why::Paused);
    s.text = "reverse: the replay did not reach instruction " + std::to_string(k) +
             " (stopped at " + std::to_string(insns_now()) + ")";
    return s;
  }
  StopInfo s = make_stop(k == begin ? StopInfo::Why::HistoryBegin : StopInfo::Why::Step, vcpu);
  if (k == begin) s.text = "start of the reverse history at instruction " + std::to_string(k);
  return s;
}

StopInfo Session::rev_step_locked() {
  ReverseHistory& h = *rev_;
  const uint64_t now = insns_now();
  if (now <= h.snaps.front().insns) return rev_goto_locked(now, vcpu_);
  if (target_->vcpus() == 1) return rev_goto_locked(now - 1);
  // The latest snapshot taken before the vcpu ran its last instruction.
  const unsigned v = vcpu_;
  const uint64_t mine = target_->cpu(v).s.insns;
  size_t snap = h.snaps.size();
  while (snap > 0 && !(h.snaps[snap - 1].insns <= now && h.snaps[snap - 1].vcpu_insns[v] < mine)) --snap;
  if (snap == 0) return rev_goto_locked(h.snaps.front().insns, v);   // it has not run since
  const uint64_t at = rev_find_retire(v, mine, snap - 1, now);
  if (at == 0 || !rev_replay_to(at - 1, false, nullptr)) {
    StopInfo s = make_stop(StopInfo::Why::Paused, v);
    s.text = "reverse: the replay did not find vcpu " + std::to_string(v) + "'s instruction " +
             std::to_string(mine) + " (stopped at " + std::to_string(insns_now()) + ")";
    return s;
  }
  return make_stop(at - 1 == h.snaps.front().insns ? StopInfo::Why::HistoryBegin : StopInfo::Why::Step, v);
}

namespace {

// Notes the count of all vcpus' instructions when one vcpu's count reaches n (a retire hook
// on that vcpu, after any timing model in its chain).
class RetireWatch final : public RetireHook {
 public:
  RetireWatch(Target& t, uint64_t n) : t_(t), n_(n) {}
  void retired(Cpu& cpu, const Insn&, uint32_t) override {
    if (found_ || cpu.s.insns < n_) return;
    uint64_t total = 0;
    for (unsigned i = 0; i < t_.vcpus(); ++i) total += t_.cpu(i).s.insns;
    // An instruction the hypervisor completed for the vcpu (an emulated page-table store)
    // retires without the hook: count back over it.
    found_ = total - (cpu.s.insns - n_);
  }
  uint64_t found() const { return found_; }

 private:
  Target& t_;
  uint64_t n_;
  uint64_t found_ = 0;
};

}  // namespace

uint64_t Session::rev_find_retire(unsigned vcpu, uint64_t n, size_t snap, uint64_t end) {
  Cpu& c = target_->cpu(vcpu);
  RetireWatch watch(*target_, n);
  c.add_retire_hook(&watch, hook_rank::kObserve);
  rev_replay_to(end, false, nullptr, snap);
  c.remove_retire_hook(&watch);
  return watch.found();
}

StopInfo Session::rev_continue_locked() {
  ReverseHistory& h = *rev_;
  const uint64_t now = insns_now();
  // Search the stretches between snapshots from the latest backwards.
  size_t snap = 0;
  while (snap + 1 < h.snaps.size() && h.snaps[snap + 1].insns < now) ++snap;
  for (size_t i = snap + 1; i-- > 0;) {
    const uint64_t end = i + 1 < h.snaps.size() && h.snaps[i + 1].insns < now ? h.snaps[i + 1].insns : now;
    std::vector<RevHit> hits;
    rev_replay_to(end, true, &hits, i);   // hits at `end` itself belong to the next stretch
    if (hits.empty()) continue;
    const RevHit hit = hits.back();
    if (!rev_replay_to(hit.at, false, nullptr)) break;
    breaks_.hit = hit.hit;
    const StopInfo::Why why = hit.hit.kind == DebugHit::Kind::Watch   ? StopInfo::Why::Watchpoint
                              : hit.hit.kind == DebugHit::Kind::Event ? StopInfo::Why::Event
                                                                      : StopInfo::Why::Breakpoint;
    return make_stop(why, hit.vcpu);
  }
  return rev_goto_locked(h.snaps.front().insns);
}

StopInfo Session::reverse_step() {
  running_ = true;
  StopInfo s = run_locked_slices(RunMode::ReverseStep, 0);
  {
    Lock l(*this);
    last_ = s;
  }
  running_ = false;
  return s;
}

StopInfo Session::reverse_continue() {
  running_ = true;
  StopInfo s = run_locked_slices(RunMode::ReverseContinue, 0);
  {
    Lock l(*this);
    last_ = s;
  }
  running_ = false;
  return s;
}

StopInfo Session::goto_insn(uint64_t k) {
  Lock l(*this);
  if (!rev_) return last_;
  if (rev_->dirty) rev_before_run();
  bp_stood_.clear();
  last_ = rev_goto_locked(k);
  return last_;
}

Session::Timeline Session::timeline() {
  Lock l(*this);
  Timeline t;
  t.now = insns_now();
  if (!rev_) return t;
  t.begin = rev_->snaps.front().insns;
  t.end = std::max(rev_->furthest, t.now);
  t.snapshots = rev_->snaps.size();
  return t;
}

}  // namespace pvlab
