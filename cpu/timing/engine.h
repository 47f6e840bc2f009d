// What every timing engine offers the rest of pvlab: a retire hook that turns the functional
// core's stream of retired instructions into cycles, the walk pricer of the MMU, the PV
// hypervisor's entry and exit costs, and one set of statistics (a CPI stack and counters, per
// guest function as well) printed and written the same way whichever engine made them.
//
// Two engines implement it (`engine` in the [timing] section, docs/timing.md):
//   fast   cpu/timing/ooo.h       each instruction scheduled once against per-cycle tables
//   cycle  cpu/timing/pipeline.h  a pipeline advanced one cycle at a time
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "cpu/cpu.h"
#include "cpu/timing/bpred.h"
#include "cpu/timing/config.h"
#include "cpu/timing/functions.h"
#include "cpu/timing/hv_hook.h"
#include "devices/state_io.h"

namespace pvlab {

enum class CpiCause : uint8_t {
  Base,        // one cycle per retirement step: the core's width and 1-cycle dependencies
  Exec,        // latency of multi-cycle units (multiply, divide) and string elements
  Branch,      // branch mispredictions (window refilled after resolution)
  Btb,         // taken branches the BTB did not know (decoder redirect)
  ICache,      // instruction fetch missing L1I
  DCacheL1,    // load-to-use latency of loads hitting L1D
  DCacheL2,    // loads hitting L2
  DCacheMem,   // loads missing every cache level
  Tlb,         // page walks after I-TLB and D-TLB misses
  Rob,         // dispatch waiting for a reorder-buffer entry
  Rs,          // dispatch waiting for a reservation station
  Lsq,         // dispatch waiting for a load- or store-queue entry
  Port,        // a ready micro-op waiting for a free functional unit
  StoreForward,  // a load waiting for the data of an older store to the same word
  Serialize,   // serialising instructions waiting for the window to drain, and their cost
  Hypervisor,  // entering and leaving the PV hypervisor, its hypercall and bounce-frame work
  Other,       // time outside instructions: idle (HLT), exception and interrupt delivery
  kCount
};
const char* cpi_cause_name(CpiCause c);

struct TimingStats {
  uint64_t insns = 0, uops = 0, cycles = 0;
  uint64_t cpi[size_t(CpiCause::kCount)] = {};
  uint64_t loads = 0, stores = 0;
  uint64_t l1d_hits = 0, l1d_misses = 0, l1i_hits = 0, l1i_misses = 0, l2_hits = 0, l2_misses = 0;
  uint64_t itlb_misses = 0, dtlb_misses = 0, walk_cycles = 0;
  uint64_t walk_reads = 0, walk_l1d_hits = 0, walk_l2_hits = 0;   // walk_caches: table reads, by level
  uint64_t serializing = 0;
  uint64_t forwarded = 0;   // loads that took an in-flight store's data
  uint64_t mshr_merges = 0;      // loads that found their line's miss still outstanding
  uint64_t mshr_full = 0;        // misses that waited for a free miss-status register
  uint64_t prefetches = 0, prefetches_useful = 0;   // L1D prefetches issued / later used
  uint64_t hv_entries = 0, hv_hypercalls = 0, hv_bounces = 0, hv_flushes = 0;
  // The hypervisor's work inside those entries: entries it checked, their reads and writes
  // through the caches (hits by level) and the cycles of that work.
  uint64_t hv_checked = 0, hv_mem = 0, hv_mem_l1d_hits = 0, hv_mem_l2_hits = 0, hv_work_cycles = 0;
  BranchStats branches;
};

// One guest function's instructions and CPI stack, in cycles.
struct FunctionCpi {
  uint64_t insns = 0;
  uint64_t cpi[size_t(CpiCause::kCount)] = {};
  uint64_t cycles() const {
    uint64_t t = 0;
    for (uint64_t c : cpi) t += c;
    return t;
  }
};

class TimingEngine : public RetireHook, public WalkPricer {
 public:
  using FunctionStats = FunctionCpi;
  virtual const TimingConfig& config() const = 0;

  // Install on `cpu` (first in its chain of retire hooks, hook_rank::kTiming, and the MMU's
  // walk-cycle counter) / take them off again.
  virtual void attach(Cpu& cpu) = 0;
  virtual void detach(Cpu& cpu) = 0;

  // The hypervisor was entered / is left on this engine's CPU (cpu/timing/hv_hook.h): the
  // configured cycles move the clock on and are charged to CpiCause::Hypervisor; with
  // hv_flush_on_entry the TLBs are flushed, so what follows pays for refilling them.
  virtual void hv_enter(Cpu& cpu, HvEntry kind, uint32_t nr) = 0;
  virtual void hv_exit(Cpu& cpu, bool bounced) = 0;
  // One entry of the hypervisor's work: hv_per_entry cycles plus the entry's read (and
  // write) through the data caches, charged to CpiCause::Hypervisor as well.
  virtual void hv_work(Cpu& cpu, uint64_t maddr, bool write) = 0;

  // Keep a CPI stack per guest function of `map` as well (call before the run; null: none).
  virtual void set_functions(std::shared_ptr<const FunctionMap> map) = 0;
  // Per function: row i is map function i - 1, row 0 instructions outside every function.
  // Empty without a map.
  virtual const std::vector<FunctionStats>& function_stats() const = 0;
  virtual const FunctionMap* functions() const = 0;

  // The counters so far (branch counters and the cycle total included).
  virtual TimingStats stats() const = 0;

  // Everything the engine has learnt, counted and holds in flight, as bytes (snapshots,
  // recordings, the reverse history), so that a restored machine goes on timing exactly as
  // the saved one would (cpu/timing/ooo_state.cpp, pipeline_state.cpp); load_state() takes
  // an engine attached to `cpu` whose state was just loaded, with the same configuration and
  // function map, and refuses another engine's state.
  virtual void save_state(StateWriter& w) const = 0;
  virtual bool load_state(StateReader& r, Cpu& cpu) = 0;

  // The `n` functions with the most cycles, as text lines and as a JSON array
  // (cpu/timing/report.cpp).
  std::string functions_text(size_t n) const;
  std::string functions_json() const;
  // The CPI stack and counters as text lines ("pvlab: timing ...") and as one JSON object.
  std::string stats_text() const;
  std::string stats_json() const;
};

}  // namespace pvlab
