// The frame table: one record per machine frame saying who owns it and what it is used as.
//
// Invariants (checked by hyper/mm.cpp, which is the only code that changes types and counts):
//  - A frame has one owner: a domain, the hypervisor (kOwnerXen), or nobody (kOwnerNone).
//  - `type` is what the frame is validated as. A page-table or descriptor frame (L1, L2, L3,
//    SegDesc) has no writable mapping anywhere while its type count is above zero; a frame
//    with a writable mapping has type Writable.
//  - `type_count` counts the uses that need the type: entries of validated tables pointing at
//    the frame as a table, pins, CR3 / GDT / LDT loads, writable mappings (for Writable). The
//    type may change only when it drops to zero.
//  - `count` counts every reference (any mapping, pins, grants, hypervisor uses); an owned
//    frame with count zero is free for the domain to retype.
//  - `validated` is set once every entry of a table frame was checked; `pinned` when the guest
//    pinned it (holding one type and one general reference).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace pvlab::hyper {

enum class PageType : uint8_t { None, L1, L2, L3, SegDesc, Writable };
const char* page_type_name(PageType t);

constexpr uint16_t kOwnerNone = 0xffff;
constexpr uint16_t kOwnerXen = 0x7ff2;   // DOMID_XEN

struct FrameInfo {
  uint16_t owner = kOwnerNone;
  PageType type = PageType::None;
  bool validated = false;
  bool pinned = false;
  bool pae_xen_l2 = false;    // an L2 used in L3 slot 3: carries the hypervisor's entries
  bool shared_xen = false;    // a hypervisor page shared with `owner` (shared_info, grant frames)
  uint32_t type_count = 0;
  uint32_t count = 0;
  // Linear page tables (mm.cpp): > 0, how many other L2s map this validated L2 read-only as
  // if it were an L1; < 0, how many such entries this L2 holds. Never both, so no chains.
  int16_t linear = 0;
  // FrameTable::flush_gen when a mapping of the frame was last removed: a TLB may still hold
  // it until every processor's TLB has been flushed since.
  uint32_t unmapped_gen = 0;
};

class FrameTable {
 public:
  explicit FrameTable(uint32_t frames) : f_(frames) {}
  uint32_t size() const { return uint32_t(f_.size()); }
  bool valid(uint64_t mfn) const { return mfn < f_.size(); }
  FrameInfo& operator[](uint32_t mfn) { return f_[mfn]; }
  const FrameInfo& operator[](uint32_t mfn) const { return f_[mfn]; }
  // Counts full TLB flushes of every processor (mm.cpp).
  uint32_t flush_gen = 1;

 private:
  std::vector<FrameInfo> f_;
};

}  // namespace pvlab::hyper
