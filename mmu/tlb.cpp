#include "mmu/tlb.h"

#include <algorithm>
#include <stdexcept>

namespace pvlab {

Tlb::Tlb(TlbGeometry g) : geo_(g) {
  if (g.sets == 0 || (g.sets & (g.sets - 1)) || g.ways == 0)
    throw std::invalid_argument("TLB sets must be a power of two and ways at least one");
  set_mask_ = g.sets - 1;
  e_.assign(size_t(g.sets) * g.ways, TlbEntry{});
  victim_.assign(g.sets, 0);
  for (auto& f : front_) f = &invalid_;
}

TlbEntry* Tlb::lookup_sets(laddr_t lin, unsigned access) {
  const uint32_t page = lin & ~kPageMask;
  TlbEntry* set = &e_[((lin >> kPageShift) & set_mask_) * geo_.ways];
  for (unsigned w = 0; w < geo_.ways; ++w) {
    if (set[w].tag == (page | TlbEntry::kValid) && (set[w].allow & (1u << access))) {
      ++stats_.hits;
      front_[(lin >> kPageShift) & (kFront - 1)] = &set[w];
      return &set[w];
    }
  }
  ++stats_.misses;
  return nullptr;
}

TlbEntry& Tlb::insert(laddr_t lin, const TlbEntry& value) {
  ++epoch_;
  uint32_t page = lin & ~kPageMask;
  unsigned set = (lin >> kPageShift) & set_mask_;
  TlbEntry* s = &e_[size_t(set) * geo_.ways];
  ++stats_.fills;
  // Reuse an entry for the same page, else an invalid one, else round-robin.
  unsigned way = geo_.ways;
  for (unsigned w = 0; w < geo_.ways && way == geo_.ways; ++w)
    if (s[w].tag == (page | TlbEntry::kValid)) way = w;
  for (unsigned w = 0; w < geo_.ways && way == geo_.ways; ++w)
    if (!(s[w].tag & TlbEntry::kValid)) way = w;
  if (way == geo_.ways) {
    way = victim_[set];
    victim_[set] = (way + 1) % geo_.ways;
  }
  s[way] = value;
  s[way].tag = page | TlbEntry::kValid;
  if (value.perms & perm::LARGE) may_hold_large_ = true;
  front_[(lin >> kPageShift) & (kFront - 1)] = &s[way];
  return s[way];
}

void Tlb::flush_all() {
  ++epoch_;
  ++stats_.flushes;
  std::fill(e_.begin(), e_.end(), TlbEntry{});
  std::fill(victim_.begin(), victim_.end(), 0u);
  may_hold_large_ = false;
}

void Tlb::flush_nonglobal() {
  ++epoch_;
  ++stats_.flushes;
  bool large = false;
  for (auto& e : e_) {
    if (!(e.perms & perm::G)) e.tag = 0;
    else if ((e.tag & TlbEntry::kValid) && (e.perms & perm::LARGE)) large = true;
  }
  may_hold_large_ = large;
}

void Tlb::invlpg(laddr_t lin) {
  ++stats_.invlpgs;
  drop_page(lin);
}

size_t Tlb::valid_entries() const {
  size_t n = 0;
  for (auto& e : e_) n += (e.tag & TlbEntry::kValid) ? 1 : 0;
  return n;
}

void Tlb::park_writes() {
  for (TlbEntry& e : e_) {
    if (!e.host_write) continue;
    e.parked_write = e.host_write;
    e.host_write = nullptr;
  }
}

void Tlb::drop_page(laddr_t lin) {
  // The epoch moves only when an entry goes: translations nothing dropped still hold.
  uint32_t page = lin & ~kPageMask;
  bool dropped = false;
  if (!may_hold_large_) {
    // Only large-page pieces can sit outside the set that `lin` indexes.
    TlbEntry* set = &e_[((lin >> kPageShift) & set_mask_) * geo_.ways];
    for (unsigned w = 0; w < geo_.ways; ++w) {
      if (set[w].tag == (page | TlbEntry::kValid)) {
        set[w].tag = 0;
        dropped = true;
      }
    }
  } else {
    for (auto& e : e_) {
      if (!(e.tag & TlbEntry::kValid)) continue;
      uint32_t epage = e.tag & ~kPageMask;
      // A large page is dropped whole, whichever 4 KiB piece of it INVLPG names.
      if (epage == page || ((e.perms & perm::LARGE) && ((epage ^ lin) & e.large_mask) == 0)) {
        e.tag = 0;
        dropped = true;
      }
    }
  }
  if (dropped) ++epoch_;
}

}  // namespace pvlab
