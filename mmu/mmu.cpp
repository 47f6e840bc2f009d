#include "mmu/mmu.h"

namespace pvlab {

Mmu::Mmu(Bus& bus, const MmuConfig& cfg) : bus_(bus), cfg_(cfg), itlb_(cfg.itlb), dtlb_(cfg.dtlb) {
  bus_.ram().attach_tlb(&itlb_);
  bus_.ram().attach_tlb(&dtlb_);
}

Mmu::~Mmu() {
  bus_.ram().detach_tlb(&itlb_);
  bus_.ram().detach_tlb(&dtlb_);
}

TlbEntry* Mmu::fill(laddr_t lin, unsigned access, uint32_t& error) {
  Tlb& t = (access & kFetch) ? itlb_ : dtlb_;
  ++t.stats().walks;
  WalkResult w = page_walk(bus_, regs_, lin, access, true);
  if (cycles_) *cycles_ += pricer_ ? pricer_->walk_cycles(w) : uint64_t(w.reads) * cfg_.walk_cycles_per_level;
  if (!w.ok) {
    // A page fault invalidates the TLB entries for the faulting address (SDM 4.10.4.1): an
    // entry that allowed some other kind of access must not outlive the fault.
    itlb_.drop_page(lin);
    dtlb_.drop_page(lin);
    error = w.error;
    return nullptr;
  }
  TlbEntry e;
  e.perms = w.perms;
  e.frame = w.phys & ~paddr_t(kPageMask);
  if (w.perms & perm::LARGE) e.large_mask = ~(w.page_size - 1);
  bool writes = false;
  for (unsigned a = 0; a < 8; ++a) {
    if (!page_access_allowed(regs_, w.perms, a)) continue;
    if ((a & kWrite) && !(w.perms & perm::D)) continue;  // first write must walk to set D
    e.allow |= uint8_t(1u << a);
    writes |= (a & kWrite) != 0;
  }
  e.host = bus_.host_frame(e.frame, false);
  e.host_write = bus_.host_frame(e.frame, true);
  // A D-TLB entry that lets stores reach the frame through a host pointer: the frame counts
  // as written from now on (mmu/phys_mem.h). Stores never go through the I-TLB.
  if (writes && e.host_write && &t == &dtlb_) bus_.ram().mark_dirty(e.frame >> kPageShift);
  return &t.insert(lin, e);
}

void Mmu::flush(bool include_global) {
  if (include_global) {
    itlb_.flush_all();
    dtlb_.flush_all();
  } else {
    itlb_.flush_nonglobal();
    dtlb_.flush_nonglobal();
  }
}

void Mmu::invlpg(laddr_t lin) {
  itlb_.invlpg(lin);
  dtlb_.invlpg(lin);
}

WalkResult Mmu::debug_walk(laddr_t lin, unsigned access) const {
  return page_walk(bus_, regs_, lin, access, false);
}

}  // namespace pvlab
