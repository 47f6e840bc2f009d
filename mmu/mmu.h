// The memory-management unit: paging registers, the split I/D TLB model and the walk that
// fills it. Callers hand it linear addresses and access kinds; it hands back TLB entries that
// carry the frame and the host pointer, or a #PF error code.
#pragma once
#include "mmu/bus.h"
#include "mmu/paging.h"
#include "mmu/tlb.h"

namespace pvlab {

class StateWriter;
class StateReader;

struct MmuConfig {
  TlbGeometry itlb{32, 4};
  TlbGeometry dtlb{64, 4};
  uint32_t walk_cycles_per_level = 4;  // added to the cycle counter per entry read
};

// Prices a page walk in place of `walk_cycles_per_level` per entry read: a timing model that
// sends the walker's reads through its data caches (cpu/timing/ooo.h). Called once per walk.
class WalkPricer {
 public:
  virtual ~WalkPricer() = default;
  virtual uint64_t walk_cycles(const WalkResult& w) = 0;
};

class Mmu {
 public:
  Mmu(Bus& bus, const MmuConfig& cfg = {});
  ~Mmu();
  Mmu(const Mmu&) = delete;
  Mmu& operator=(const Mmu&) = delete;

  Bus& bus() { return bus_; }
  PagingRegs& regs() { return regs_; }
  const PagingRegs& regs() const { return regs_; }
  Tlb& itlb() { return itlb_; }
  Tlb& dtlb() { return dtlb_; }
  const MmuConfig& config() const { return cfg_; }

  // Where page-walk cycles are added (the CPU's cycle counter).
  void set_cycle_counter(uint64_t* c) { cycles_ = c; }
  // Price walks with `p` instead of the fixed cost per entry (null: the fixed cost).
  void set_walk_pricer(WalkPricer* p) { pricer_ = p; }

  // The TLB entry that lets `access` reach `lin`, walking the tables on a miss (A/D bits are
  // set, the entry is filled, walk cycles are added). On a fault returns nullptr with the #PF
  // error code in `error`, after dropping any entry for that page. Fetches (kFetch) use the
  // I-TLB, everything else the D-TLB.
  PVLAB_INLINE TlbEntry* translate(laddr_t lin, unsigned access, uint32_t& error) {
    Tlb& t = (access & kFetch) ? itlb_ : dtlb_;
    if (TlbEntry* e = t.lookup(lin, access)) return e;
    return fill(lin, access, error);
  }

  // A store found `e` without a write pointer: when one is parked (the written-page set was
  // cleared since the entry was filled), mark the frame written and give the pointer back.
  // Returns e.host_write afterwards (nullptr for MMIO and ROM frames).
  uint8_t* unpark(TlbEntry& e) {
    if (e.parked_write) {
      bus_.ram().mark_dirty(e.frame >> kPageShift);
      e.host_write = e.parked_write;
      e.parked_write = nullptr;
    }
    return e.host_write;
  }

  // Drop translations: CR3 writes keep global pages, CR0/CR4 paging changes drop all.
  // flush(true) also returns both TLBs to their power-on state.
  void flush(bool include_global);
  void invlpg(laddr_t lin);

  // Paging registers and both TLBs as bytes (mmu/mmu_state.cpp). The cycle counter binding
  // and the configuration are wiring, not state; a TLB of another geometry is refused.
  void save(StateWriter& w) const;
  bool load(StateReader& r);

  // A walk with no side effects (no A/D bits, no TLB fill, no statistics).
  WalkResult debug_walk(laddr_t lin, unsigned access = kRead) const;

 private:
  TlbEntry* fill(laddr_t lin, unsigned access, uint32_t& error);

  Bus& bus_;
  MmuConfig cfg_;
  PagingRegs regs_;
  Tlb itlb_, dtlb_;
  uint64_t* cycles_ = nullptr;
  WalkPricer* pricer_ = nullptr;
};

}  // namespace pvlab
