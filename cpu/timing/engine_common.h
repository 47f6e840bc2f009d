// What both timing engines (cpu/timing/ooo.h, pipeline.h) keep and do alike: the
// configuration, the counters, the memory side, the branch predictor, the per-function stacks
// and the table of instruction shapes; the hypervisor's costs (cpu/timing/hv_hook.h), page
// walks through the caches, the function map, and the addresses and string ranges an
// instruction touches.
#pragma once
#include <Zydis/Zydis.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <memory>
#include <vector>

#include "cpu/timing/bpred.h"
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
  // The counters, with the predictor's and the cycles the CPI stack adds up to.
  TimingStats stats() const override;

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
  // The linear address of the instruction's memory operand, from the registers as they were
  // before it (pre_).
  PVLAB_INLINE uint32_t operand_linear(const CpuState& s, const Insn& insn) const {
    uint32_t a = insn.mem.disp;
    if (insn.mem.base != 0xff) a += pre_[insn.mem.base];
    if (insn.mem.index != 0xff) a += pre_[insn.mem.index] << insn.mem.scale;
    if (insn.asize == 2) a &= 0xffff;
    return s.seg[insn.mem.seg].base + a;
  }
  // The linear address of a stack access: below ESP for a push, at ESP for a pop, at EBP for
  // LEAVE's.
  PVLAB_INLINE uint32_t stack_linear(const CpuState& s, const Insn& insn, bool leave, bool push) const {
    uint32_t sp = leave ? pre_[EBP] : pre_[ESP];
    if (push) sp -= insn.osize;
    return s.seg[SS].base + (s.seg[SS].big() ? sp : (sp & 0xffff));
  }
  // Work out `insn`'s shape into `sh` (at EIP `eip`, for its function), made in block cache
  // generation `gen`: kept while that generation holds, unless a block was dropped since the
  // last retirement (then its Insns are freed and reused soon, so the shape is not kept).
  void make_shape(Cpu& cpu, const Insn& insn, uint32_t eip, InsnShape& sh, uint64_t gen);
  // A string instruction's elements (one per cycle) and each line of the source and
  // destination ranges it went through, through the caches one after another from cycle
  // `start`: its latency. `extra(level, cycles)` is told what each line cost beyond an L1D
  // hit; `elements` receives the element count.
  template <class Extra>
  uint64_t string_latency(Cpu& cpu, const Insn& insn, uint32_t user, uint64_t start, Extra extra,
                          uint32_t& elements);
  // The memory side, for the instruction at linear address pc_ (which trains the prefetcher):
  // a load's latency at cycle `at` and what its wait counts as; a store's write-allocate.
  PVLAB_INLINE uint32_t data_access(uint64_t addr, uint64_t at, CpiCause& level) {
    return mem_.data_access(addr, at, pc_, level);
  }
  PVLAB_INLINE void store_access(uint64_t addr) { mem_.store_access(addr); }
  // Whether each TLB missed since the last retirement (the misses counted into st_).
  PVLAB_INLINE void take_tlb_misses(Cpu& cpu, bool& itlb_miss, bool& dtlb_miss) {
    const uint64_t im = cpu.mmu().itlb().stats().misses, dm = cpu.mmu().dtlb().stats().misses;
    itlb_miss = im != itlb_seen_;
    dtlb_miss = dm != dtlb_seen_;
    itlb_seen_ = im;
    dtlb_seen_ = dm;
    st_.itlb_misses += itlb_miss;
    st_.dtlb_misses += dtlb_miss;
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
  BranchPredictor bp_{cfg_};
  uint32_t pc_ = 0;             // linear address of the instruction being timed
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

template <class Extra>
uint64_t EngineCommon::string_latency(Cpu& cpu, const Insn& insn, uint32_t user, uint64_t start, Extra extra,
                                      uint32_t& elements) {
  const CpuState& s = cpu.s;
  uint32_t n = 1;
  if (insn.rep()) {
    const uint32_t mask = insn.asize == 2 ? 0xffffu : ~0u;
    n = std::max<uint32_t>(1, (pre_[ECX] - s.r[ECX]) & mask);
  }
  elements = n;
  uint64_t lat = n;
  const auto range = [&](unsigned seg, unsigned reg, bool write) {
    const uint32_t a = pre_[reg], b = s.r[reg];
    if (a == b) return;
    const uint32_t lo = std::min(a, b), hi = std::max(a, b);
    const unsigned shift = mem_.l1d.line_shift();
    const uint32_t lines = std::min<uint32_t>(((hi - 1) >> shift) - (lo >> shift) + 1, 4096);
    for (uint32_t k = 0; k < lines; ++k) {
      const uint32_t lin = s.seg[seg].base + ((lo >> shift) + k) * (1u << shift);
      CpiCause level;
      const uint64_t pa = phys_of(cpu, lin, user | (write ? unsigned(kWrite) : 0u));
      const uint32_t l = data_access(pa, start + lat, level);
      if (l > cfg_.l1d.latency) {
        lat += l - cfg_.l1d.latency;
        extra(level, l - cfg_.l1d.latency);
      }
    }
    (write ? st_.stores : st_.loads) += lines;
  };
  // STOS and SCAS read no source; MOVS and STOS write their destination.
  const unsigned m = insn.mnemonic;
  const bool stos_scas = m == ZYDIS_MNEMONIC_STOSB || m == ZYDIS_MNEMONIC_STOSW || m == ZYDIS_MNEMONIC_STOSD ||
                         m == ZYDIS_MNEMONIC_SCASB || m == ZYDIS_MNEMONIC_SCASW || m == ZYDIS_MNEMONIC_SCASD;
  const bool writes_di = m == ZYDIS_MNEMONIC_MOVSB || m == ZYDIS_MNEMONIC_MOVSW || m == ZYDIS_MNEMONIC_MOVSD ||
                         m == ZYDIS_MNEMONIC_STOSB || m == ZYDIS_MNEMONIC_STOSW || m == ZYDIS_MNEMONIC_STOSD;
  if (!stos_scas) range(insn.mem.seg, ESI, false);
  range(ES, EDI, writes_di);
  return lat;
}

}  // namespace pvlab
