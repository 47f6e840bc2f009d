// What both timing engines (cpu/timing/ooo.h, pipeline.h) keep and do alike: the
// configuration, the counters, the memory side, the per-function stacks and the table of
// instruction shapes; the hypervisor's costs (cpu/timing/hv_hook.h), page walks through the
// caches and the function map.
#pragma once
#include <cstdint>
#include <cstring>
#include <memory>
#include <vector>

#include "cpu/timing/engine.h"
#include "cpu/timing/functions.h"
#include "cpu/timing/memory_side.h"
#include "cpu/timing/uops.h"

namespace pvlab {

// A size read from a saved state, checked against the one this configuration gives; false
// (and `r` failed, naming `what`) when they differ.
bool state_size_is(StateReader& r, uint64_t got, uint64_t want, const char* what);

class EngineCommon : public TimingEngine {
 public:
  // Take the hooks attach() put on `cpu` off again (its retire hook, walk counter and pricer).
  void detach(Cpu& cpu) override;
  const TimingConfig& config() const override { return cfg_; }
  // A walk's table reads through L1D, L2 and memory, one after the other (the MMU calls this
  // on each TLB miss with walk_caches; the cycles reach the instruction that walked).
  uint64_t walk_cycles(const WalkResult& w) override { return mem_.walk_cycles(w); }
  // The hypervisor was entered / is left on this engine's CPU: the configured cycles move the
  // clock on and reach CpiCause::Hypervisor at the next retirement; with hv_flush_on_entry the
  // TLBs are flushed, so what follows pays for refilling them.
  void hv_enter(Cpu& cpu, HvEntry kind, uint32_t nr) override;
  void hv_exit(Cpu& cpu, bool bounced) override;
  // One entry of the hypervisor's work: hv_per_entry cycles plus the entry's read (and
  // write) through the data caches, charged the same way.
  void hv_work(Cpu& cpu, uint64_t maddr, bool write) override;
  // Keep a CPI stack per guest function of `map` as well (call before the run; null: none).
  void set_functions(std::shared_ptr<const FunctionMap> map) override;
  const std::vector<FunctionStats>& function_stats() const override { return fn_; }
  const FunctionMap* functions() const override { return funcs_.get(); }

 protected:
  explicit EngineCommon(const TimingConfig& cfg) : cfg_(cfg) {}
  // Hook onto `cpu`: note its registers, EIP and TLB miss counts as they are, count its page
  // walks' cycles into *walk_counter, price walks through the caches with walk_caches, and go
  // first in its chain of retire hooks.
  void hook_on(Cpu& cpu, uint64_t* walk_counter);
  // The physical address of `lin` when the functional TLB holds it for `access`, else `lin`
  // itself. The direct-mapped front answers most; else the set is searched (counting
  // nothing), so the answer depends on the TLB's contents alone, which snapshots keep.
  static PVLAB_INLINE uint64_t phys_of(Cpu& cpu, uint32_t lin, unsigned access) {
    Tlb& t = (access & kFetch) ? cpu.mmu().itlb() : cpu.mmu().dtlb();
    if (const TlbEntry* e = t.front(lin, access)) return e->frame | (lin & kPageMask);
    const unsigned ways = t.geometry().ways;
    const TlbEntry* set = &t.entries()[((lin >> kPageShift) & (t.geometry().sets - 1)) * ways];
    for (unsigned w = 0; w < ways; ++w)
      if (set[w].tag == ((lin & ~kPageMask) | TlbEntry::kValid) && (set[w].allow & (1u << access)))
        return set[w].frame | (lin & kPageMask);
    return lin;
  }
  // Move the clock on by hypervisor cycles `c`.
  void hv_cycles(Cpu& cpu, uint64_t c) {
    cpu.s.cycles += c;
    hv_pending_ += c;
  }

  // ---- the state both engines save alike (cpu/timing/engine_state.cpp) ----
  // The engine's section tag, checked: a blob written by the other engine is refused, naming
  // it, rather than misread.
  static bool read_engine_tag(StateReader& r, const char (&tag)[5]);
  // L1I, L1D and L2 (the miss registers and the prefetcher: mem_.save_regs / load_regs).
  void save_caches(StateWriter& w) const;
  bool load_caches(StateReader& r);
  // The TLB misses not yet seen, every counter of st_ but the branch ones (the predictor
  // keeps those) and the per-function CPI stacks.
  void save_counters(StateWriter& w) const;
  // What save_counters() wrote, read into `st` and fn_; take_counters() makes `st` (with
  // `branches`) the engine's once the rest of the state has been read too.
  struct SavedCounters {
    uint64_t itlb_unseen = 0, dtlb_unseen = 0;
    TimingStats st;
  };
  bool load_counters(StateReader& r, SavedCounters& c);
  void take_counters(const SavedCounters& c, Cpu& cpu, const BranchStats& branches);

  TimingConfig cfg_;
  TimingStats st_;
  MemorySide mem_{cfg_, st_};   // caches, miss registers and prefetcher, counting into st_
  uint64_t hv_pending_ = 0;     // hypervisor cycles added to the clock since the last retirement
  std::shared_ptr<const FunctionMap> funcs_;
  std::vector<FunctionStats> fn_;
  // What the engine needs of each decoded instruction (cpu/timing/uops.h), kept in a
  // direct-mapped table keyed by the Insn's address.
  static constexpr size_t kShapes = 1u << 13;
  std::vector<InsnShape> shapes_ = std::vector<InsnShape>(kShapes);
  uint64_t shape_gen_ = ~0ull;   // the block cache's generation at the last retirement
  // The CPU hooked on, its registers before the instruction now retiring, the EIP after the
  // last retirement, and the TLB miss counts the engine has seen.
  Cpu* cpu_ = nullptr;
  uint32_t pre_[8] = {};
  uint32_t expect_eip_ = ~0u;
  uint64_t itlb_seen_ = 0, dtlb_seen_ = 0;
};

}  // namespace pvlab
