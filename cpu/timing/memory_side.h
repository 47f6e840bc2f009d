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
  PVLAB_INLINE uint32_t data_access(uint64_t addr, uint64_t at, uint32_t pc, CpiCause& level) {
    const uint64_t line = addr >> l1d.line_shift();
    if (l1d.access(addr)) {
      ++st_->l1d_hits;
      level = CpiCause::DCacheL1;
      uint64_t done = at + cfg_->l1d.latency;
      uint8_t from = 0;
      // The line is allocated when its miss is sent: still on its way, the load waits for it.
      if (const uint64_t arrives = l1d_mshr.pending(line, at, from)) {
        if (arrives > done) {
          ++st_->mshr_merges;
          done = arrives;
          level = CpiCause(from);
        }
      }
      if (cfg_->l1d_prefetch && pf.use(line)) {
        ++st_->prefetches_useful;
        // A stream already followed: the lines before the furthest were asked for by the
        // loads before this one.
        uint64_t next[16];
        if (const unsigned n = pf.train(pc, line, next)) prefetch(next[n - 1], at);
      }
      return uint32_t(done - at);
    }
    ++st_->l1d_misses;
    // Sent to L2 when an L1D miss register is free; to memory when an L2 one is too.
    const uint64_t start = l1d_mshr.free_at(at);
    uint64_t done;
    if (l2.access(addr)) {
      ++st_->l2_hits;
      level = CpiCause::DCacheL2;
      done = start + cfg_->l2.latency;
    } else {
      ++st_->l2_misses;
      level = CpiCause::DCacheMem;
      const uint64_t start2 = l2_mshr.free_at(start);
      done = start2 + cfg_->mem_latency;
      l2_mshr.take(addr >> l2.line_shift(), done, uint8_t(level));
      if (start2 > start) ++st_->mshr_full;
    }
    if (start > at) ++st_->mshr_full;
    l1d_mshr.take(line, done, uint8_t(level));
    if (cfg_->l1d_prefetch) {
      uint64_t next[16];
      for (unsigned k = 0, n = pf.train(pc, line, next); k < n; ++k) prefetch(next[k], at);
    }
    return uint32_t(done - at);
  }
  // A store's write-allocate into L1D and L2.
  void store_access(uint64_t addr);
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
  const TimingConfig* cfg_;
  TimingStats* st_;
};

}  // namespace pvlab
