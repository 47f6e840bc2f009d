#include "cpu/timing/memory_side.h"

#include "devices/state_io.h"
#include "mmu/paging.h"

namespace pvlab {

MemorySide::MemorySide(const TimingConfig& cfg, TimingStats& st)
    : l1i(cfg.l1i), l1d(cfg.l1d), l2(cfg.l2), l1d_mshr(cfg.l1d_mshrs), l2_mshr(cfg.l2_mshrs),
      pf(cfg.l1d_prefetch_degree), cfg_(&cfg), st_(&st) {}

void MemorySide::store_access(uint64_t addr) {
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
