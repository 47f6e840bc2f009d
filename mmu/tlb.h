// A set-associative TLB model. Entries map one 4 KiB linear page (large pages are entered a
// 4 KiB piece at a time and marked LARGE so INVLPG can drop the whole page). Each entry keeps
// the host pointer of its frame for the fast path and, per access kind, whether that access
// may use the entry without a walk (a write to a clean page still walks, to set D).
//
// The set is chosen by the low bits of the linear page number. Within a set a fill reuses the
// entry already holding that page, else the first invalid way, else the way the set's
// round-robin pointer names (which then moves on): the same accesses always give the same
// contents. flush_all() returns the TLB to its power-on state (all invalid, pointers at way 0).
#pragma once
#include <functional>
#include <vector>

#include "mmu/paging.h"

namespace pvlab {

class StateWriter;
class StateReader;

struct TlbEntry {
  uint32_t tag = 0;       // linear page base | kValid
  uint8_t allow = 0;      // bit (1 << Access combination) set when that access may hit
  uint8_t perms = 0;      // perm:: bits of the walk
  uint32_t large_mask = 0;  // ~(page size - 1) of the large page when perms & LARGE
  paddr_t frame = 0;      // physical page base
  uint8_t* host = nullptr;  // host pointer to the frame, nullptr for MMIO / ROM writes
  uint8_t* host_write = nullptr;
  // The write pointer held back after the written-page set was cleared (mmu/phys_mem.h):
  // the next store through the entry marks the frame and moves it back to host_write.
  uint8_t* parked_write = nullptr;
  static constexpr uint32_t kValid = 1;
};

struct TlbGeometry {
  unsigned sets = 64;
  unsigned ways = 4;
};

struct TlbStats {
  uint64_t hits = 0;      // lookups answered by an entry
  uint64_t misses = 0;    // lookups that found no entry permitting the access
  uint64_t walks = 0;     // page walks started after a miss (Mmu)
  uint64_t fills = 0;     // entries written after a successful walk
  uint64_t flushes = 0;   // whole-TLB flushes (all, or all non-global)
  uint64_t invlpgs = 0;   // INVLPG operations
};

class Tlb {
 public:
  explicit Tlb(TlbGeometry g = {});
  Tlb(const Tlb&) = delete;
  Tlb& operator=(const Tlb&) = delete;

  const TlbGeometry& geometry() const { return geo_; }
  TlbStats& stats() { return stats_; }
  const TlbStats& stats() const { return stats_; }
  const std::vector<TlbEntry>& entries() const { return e_; }

  // The entry for `lin` that permits `access`, or nullptr. Counts a hit or a miss.
  PVLAB_INLINE TlbEntry* lookup(laddr_t lin, unsigned access) {
    // A direct-mapped front remembers, per page-number slot, the entry that last answered
    // it. It holds only pointers into the model, and an entry's own tag is checked, so it
    // can never answer what the modelled TLB would not: the statistics stay those of the
    // set-associative model.
    const uint32_t page = lin & ~kPageMask;
    TlbEntry* f = front_[(lin >> kPageShift) & (kFront - 1)];
    if (PVLAB_LIKELY(f->tag == (page | TlbEntry::kValid) && (f->allow & (1u << access)))) {
      ++stats_.hits;
      return f;
    }
    return lookup_sets(lin, access);
  }
  // The direct-mapped front alone, counting nothing: the entry for `lin` that permits
  // `access`, or nullptr. A caller that uses the entry counts the hit with count_hits(1); one
  // that does not goes on to lookup(), which counts as usual. count_hits(n) counts n hits
  // for a caller that makes n accesses through the one entry.
  PVLAB_INLINE TlbEntry* front(laddr_t lin, unsigned access) {
    TlbEntry* f = front_[(lin >> kPageShift) & (kFront - 1)];
    if (PVLAB_LIKELY(f->tag == ((lin & ~kPageMask) | TlbEntry::kValid) && (f->allow & (1u << access))))
      return f;
    return nullptr;
  }
  PVLAB_INLINE void count_hits(unsigned n) { stats_.hits += n; }
  TlbEntry& insert(laddr_t lin, const TlbEntry& value);
  void flush_all();
  void flush_nonglobal();
  // INVLPG: drop the entries for `lin`'s page, global or not, and every piece of a large page
  // containing `lin`.
  void invlpg(laddr_t lin);
  // The same drop without counting an INVLPG (a page fault invalidates the faulting address).
  void drop_page(laddr_t lin);
  size_t valid_entries() const;
  // Move every entry's host write pointer to parked_write (PhysMem::clear_dirty). Not a
  // change of the model: hits, misses and walks stay what they were.
  void park_writes();
  void reset_stats() { stats_ = {}; }
  // Changes whenever any translation may have changed (fills, flushes, an INVLPG or drop
  // that removed an entry): a translation remembered at one epoch still holds while the
  // epoch is the same.
  uint64_t epoch() const { return epoch_; }

  // State as bytes (mmu/mmu_state.cpp): every entry and the round-robin pointers. Host
  // pointers are not state (load() asks `host_of(frame, write)` for them), nor are the
  // statistics, which load() leaves as they are.
  void save(StateWriter& w) const;
  bool load(StateReader& r, const std::function<uint8_t*(paddr_t, bool)>& host_of);

 private:
  TlbEntry* lookup_sets(laddr_t lin, unsigned access);
  static constexpr unsigned kFront = 1024;

  TlbGeometry geo_;
  TlbEntry invalid_{};            // what empty front slots point at
  TlbEntry* front_[kFront];
  uint32_t set_mask_;
  std::vector<TlbEntry> e_;
  std::vector<uint32_t> victim_;
  TlbStats stats_;
  uint64_t epoch_ = 0;
  // Some valid entry may be a piece of a large page (set by insert, recomputed by the
  // flushes). While clear, every entry for a page sits in the set its address indexes.
  bool may_hold_large_ = false;
};

}  // namespace pvlab
