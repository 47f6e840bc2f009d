// Guest physical RAM: one host mapping, plus a per-frame "holds decoded code" mark that
// lets writes find the code they change, and the set of frames written since it was last
// cleared (snapshots and checkpoint hashes look only at those: frontend/ram_delta.h).
//
// Written-page tracking costs a store through a TLB host pointer nothing. A frame is marked
// when a TLB entry that lets writes reach it through a host pointer is filled, and by every
// write that does not go through such a pointer (Bus writes, the page walker's A/D updates,
// Bus::note_write for hypervisor copies, grant copies and device back ends). clear_dirty()
// parks the write pointer of every attached TLB's entries (Tlb::park_writes), so the first
// store through each entry afterwards takes the slow path once, marks the frame and gets its
// pointer back (Mmu::unpark). The modelled TLB is untouched: no walk, no statistic, no cycle.
#pragma once
#include <cstring>
#include <vector>

#include "mmu/types.h"

namespace pvlab {

class Tlb;

class PhysMem {
 public:
  explicit PhysMem(size_t bytes);
  ~PhysMem();
  PhysMem(const PhysMem&) = delete;
  PhysMem& operator=(const PhysMem&) = delete;

  size_t size() const { return size_; }
  size_t frames() const { return size_ >> kPageShift; }
  bool contains(paddr_t a, size_t n = 1) const { return a < size_ && n <= size_ - a; }
  uint8_t* ptr(paddr_t a) { return base_ + a; }
  const uint8_t* ptr(paddr_t a) const { return base_ + a; }
  uint8_t* data() { return base_; }

  // Frames whose bytes were decoded into cached blocks.
  bool is_code(uint64_t pfn) const { return pfn < code_.size() && code_[pfn]; }
  void set_code(uint64_t pfn, bool on) { if (pfn < code_.size()) code_[pfn] = on; }
  const uint8_t* code_map() const { return code_.data(); }

  // Written frames. mark_dirty() takes any frame number (one past RAM and beyond land in a
  // spare slot, without a test).
  PVLAB_INLINE void mark_dirty(uint64_t pfn) { dirty_[pfn < frames_ ? pfn : frames_] = 1; }
  bool is_dirty(uint64_t pfn) const { return pfn < frames_ && dirty_[pfn]; }
  const uint8_t* dirty_map() const { return dirty_.data(); }
  // Everything counts as written (after RAM was replaced wholesale: a restore).
  void mark_all_dirty();
  // Start a new set: no frame is marked, and every attached TLB parks its write pointers.
  void clear_dirty();
  // TLBs whose host write pointers point into this RAM (Mmu attaches both of its own).
  void attach_tlb(Tlb* t);
  void detach_tlb(Tlb* t);

 private:
  uint8_t* base_ = nullptr;
  size_t size_ = 0;
  std::vector<uint8_t> code_;
  size_t frames_ = 0;
  std::vector<uint8_t> dirty_;   // frames_ + 1 bytes, the last a sink
  std::vector<Tlb*> tlbs_;
};

}  // namespace pvlab
