#include "cpu/timing/memory_side.h"

#include "devices/state_io.h"
#include "mmu/paging.h"

namespace pvlab {

MemorySide::MemorySide(const TimingConfig& cfg, TimingStats& st)
    : l1i(cfg.l1i), l1d(cfg.l1d), l2(cfg.l2), l1d_mshr(cfg.l1d_mshrs), l2_mshr(cfg.l2_mshrs),
      pf(cfg.l1d_prefetch_degree), cfg_(&cfg), st_(&st) {}

uint32_t MemorySide::data_access_rest(uint64_t addr, uint64_t at, uint32_t pc, CpiCause& level) {
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

void MemorySide::store_access_rest(uint64_t addr) {
  if (l1d.access(addr)) {
    ++st_->l1d_hits;
    return;
  }
  ++st_->l1d_misses;
  if (l2.access(addr)) ++st_->l2_hits;
  else ++st_->l2_misses;
}

void MemorySide::prefetch(uint64_t line, uint64_t at) {
  const uint64_t addr = line << l1d.line_shift();
  if (!l1d_mshr.idle_at(at) || l1d.holds(addr)) return;   // no register, or there already
  const bool in_l2 = l2.holds(addr);
  if (!in_l2 && !l2_mshr.idle_at(at)) return;
  l1d.access(addr);
  l2.access(addr);
  const CpiCause from = in_l2 ? CpiCause::DCacheL2 : CpiCause::DCacheMem;
  const uint64_t done = at + (in_l2 ? cfg_->l2.latency : cfg_->mem_latency);
  if (!in_l2) l2_mshr.take(addr >> l2.line_shift(), done, uint8_t(from));
  l1d_mshr.take(line, done, uint8_t(from));
  pf.mark(line);
  ++st_->prefetches;
}

uint64_t MemorySide::walk_cycles(const WalkResult& w) {
  // The last `reads` levels are memory reads (PAE's PDPTE, level 0, is held in the CPU).
  uint64_t total = 0;
  for (unsigned i = unsigned(w.nlevels - w.reads); i < w.nlevels; ++i) {
    const uint64_t addr = w.level[i].entry_addr;
    ++st_->walk_reads;
    if (l1d.access(addr)) {
      ++st_->walk_l1d_hits;
      total += cfg_->l1d.latency;
    } else if (l2.access(addr)) {
      ++st_->walk_l2_hits;
      total += cfg_->l2.latency;
    } else {
      total += cfg_->mem_latency;
    }
  }
  return total;
}

uint64_t MemorySide::hv_access(uint64_t maddr, bool write) {
  uint64_t c = 0;
  for (unsigned k = 0; k < (write ? 2u : 1u); ++k) {
    ++st_->hv_mem;
    if (l1d.access(maddr)) {
      ++st_->hv_mem_l1d_hits;
      c += cfg_->l1d.latency;
    } else if (l2.access(maddr)) {
      ++st_->hv_mem_l2_hits;
      c += cfg_->l2.latency;
    } else {
      c += cfg_->mem_latency;
    }
  }
  return c;
}

void MemorySide::save_regs(StateWriter& w) const {
  l1d_mshr.save(w);
  l2_mshr.save(w);
  pf.save(w);
}

bool MemorySide::load_regs(StateReader& r) {
  return l1d_mshr.load(r) && l2_mshr.load(r) && pf.load(r);
}

}  // namespace pvlab
