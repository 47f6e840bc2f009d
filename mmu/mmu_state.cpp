// The MMU's state as bytes: the paging registers and both TLBs entry by entry, so a restored
// machine hits and misses, walks and spends walk cycles exactly where the saved one would have.
// The TLB statistics are not state: decoding a block fetches through the I-TLB, so their
// counts depend on what the decoded-block cache held, which a restore empties. A restored
// machine's statistics count from the restore.
#include <algorithm>

#include "devices/state_io.h"
#include "mmu/mmu.h"

namespace pvlab {

void Tlb::save(StateWriter& w) const {
  w.tag("TLB_");
  w.u32(geo_.sets);
  w.u32(geo_.ways);
  for (const TlbEntry& e : e_) {
    w.u32(e.tag);
    w.u8(e.allow);
    w.u8(e.perms);
    w.u32(e.large_mask);
    w.u64(e.frame);
  }
  for (uint32_t v : victim_) w.u32(v);
  w.boolean(may_hold_large_);
}

bool Tlb::load(StateReader& r, const std::function<uint8_t*(paddr_t, bool)>& host_of) {
  if (!r.tag("TLB_")) return false;
  const uint32_t sets = r.u32(), ways = r.u32();
  if (!r.ok()) return false;
  if (sets != geo_.sets || ways != geo_.ways)
    return r.fail("TLB of " + std::to_string(sets) + " sets x " + std::to_string(ways) +
                  " ways (this machine's has " + std::to_string(geo_.sets) + " x " +
                  std::to_string(geo_.ways) + ")");
  std::vector<TlbEntry> e(e_.size());
  for (TlbEntry& x : e) {
    x.tag = r.u32();
    x.allow = r.u8();
    x.perms = r.u8();
    x.large_mask = r.u32();
    x.frame = r.u64();
    if (!r.ok()) return false;
    if (x.tag & TlbEntry::kValid) {
      if (x.frame >> kMaxPhysBits || (x.frame & kPageMask))
        return r.fail("TLB entry with frame " + std::to_string(x.frame) + " is not a page frame");
      x.host = host_of(x.frame, false);
      x.host_write = host_of(x.frame, true);
    }
  }
  std::vector<uint32_t> victim(victim_.size());
  for (uint32_t& v : victim) {
    v = r.u32();
    if (r.ok() && v >= ways) return r.fail("TLB round-robin pointer beyond the ways");
  }
  const bool large = r.boolean();
  if (!r.ok()) return false;
  e_ = std::move(e);
  victim_ = std::move(victim);
  may_hold_large_ = large;
  // The front is a cache of pointers into the model: empty is always correct.
  for (auto& f : front_) f = &invalid_;
  ++epoch_;
  return true;
}

void Mmu::save(StateWriter& w) const {
  w.tag("MMU_");
  w.u32(regs_.cr0);
  w.u32(regs_.cr3);
  w.u32(regs_.cr4);
  w.u64(regs_.efer);
  for (uint64_t p : regs_.pdpte) w.u64(p);
  w.u64(regs_.a20_mask);
  itlb_.save(w);
  dtlb_.save(w);
}

bool Mmu::load(StateReader& r) {
  if (!r.tag("MMU_")) return false;
  PagingRegs g;
  g.cr0 = r.u32();
  g.cr3 = r.u32();
  g.cr4 = r.u32();
  g.efer = r.u64();
  for (uint64_t& p : g.pdpte) p = r.u64();
  g.a20_mask = r.u64();
  if (!r.ok()) return false;
  regs_ = g;
  auto host_of = [this](paddr_t f, bool write) { return bus_.host_frame(f, write); };
  if (!itlb_.load(r, host_of) || !dtlb_.load(r, host_of)) return false;
  // Loaded entries were not filled here: their first store marks the frame (mmu/phys_mem.h).
  itlb_.park_writes();
  dtlb_.park_writes();
  return true;
}

}  // namespace pvlab
