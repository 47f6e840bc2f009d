// The memory side both timing engines share (cpu/timing/ooo.h, pipeline.h): L1I, L1D and L2,
// the miss-status registers of L1D and L2, and the L1D stride prefetcher, with the counters
// they keep in the engine's TimingStats. Loads go through the registers (a miss waits for a
// free one; a load to a line still on its way waits for it), stores allocate, page walks and
// the hypervisor's own accesses read one level after the other.
#pragma once
#include <cstdint>

#include "cpu/timing/cache.h"
#include "cpu/timing/config.h"
#include "cpu/timing/engine.h"
#include "cpu/timing/mshr.h"
#include "cpu/timing/prefetch.h"

namespace pvlab {

struct WalkResult;
class StateWriter;
class StateReader;

class MemorySide {
 public:
  // `cfg` and `st` belong to the engine holding this and outlive it.
  MemorySide(const TimingConfig& cfg, TimingStats& st);
  MemorySide(const MemorySide&) = delete;
  MemorySide& operator=(const MemorySide&) = delete;

  // A load of `addr` sent at cycle `at` by the instruction at linear address `pc` (which
  // trains the prefetcher): its latency, and in `level` the CPI entry its wait belongs to.
  // Inline, the common case: a hit in L1D's most recently used line, with no miss
  // outstanding and no prefetch to account for.
  PVLAB_INLINE uint32_t data_access(uint64_t addr, uint64_t at, uint32_t pc, CpiCause& level) {
    const uint64_t line = addr >> l1d.line_shift();
    if (PVLAB_LIKELY(l1d_mshr.quiet_at(at) && !(cfg_->l1d_prefetch && pf.marked(line)) && l1d.access_mru(addr))) {
      ++st_->l1d_hits;
      level = CpiCause::DCacheL1;
      return cfg_->l1d.latency;
    }
    return data_access_rest(addr, at, pc, level);
  }
  // A store's write-allocate into L1D and L2.
  PVLAB_INLINE void store_access(uint64_t addr) {
    if (PVLAB_LIKELY(l1d.access_mru(addr))) ++st_->l1d_hits;
    else store_access_rest(addr);
  }
  // The prefetcher asks for `line` (of L1D) at cycle `at`: fetched when a register is free.
  void prefetch(uint64_t line, uint64_t at);
  // A page walk's table reads through L1D, L2 and memory, one after the other.
  uint64_t walk_cycles(const WalkResult& w);
  // The hypervisor reads (and with `write` also writes) the entry at `maddr`: the cycles.
  uint64_t hv_access(uint64_t maddr, bool write);
  // The miss-status registers and the prefetcher (the caches save themselves).
  void save_regs(StateWriter& w) const;
  bool load_regs(StateReader& r);

  TimingCache l1i, l1d, l2;
  MissRegs l1d_mshr, l2_mshr;
  StridePrefetcher pf;

 private:
  // data_access() and store_access() in full.
  [[gnu::noinline]] uint32_t data_access_rest(uint64_t addr, uint64_t at, uint32_t pc, CpiCause& level);
  [[gnu::noinline]] void store_access_rest(uint64_t addr);

  const TimingConfig* cfg_;
  TimingStats* st_;
};

}  // namespace pvlab
