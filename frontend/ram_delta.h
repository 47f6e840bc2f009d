// RAM between checkpoints (docs/replay.md): a hash per 4 KiB page, recomputed only for the
// pages written since the last look (PhysMem's written set, mmu/phys_mem.h), and the pages
// written since the last delta, which an incremental snapshot stores.
//
// The RAM hash is state_hash over the page hashes (each the state_hash of the page's 4,096
// bytes, as a little-endian u64), so it is a function of RAM's bytes alone: the same RAM
// gives the same hash whatever wrote it and whenever the pages were last hashed.
//
// A RAM delta (the payload of an incremental snapshot's RAMD section):
//
//   ram_bytes:u64  count:u32  pfn:u32 * count (ascending)  encoding:u8 (2 = zstd of XOR)
//   one zstd frame of the count pages, in pfn order, each XORed with its bytes at the
//   previous snapshot
//
// XOR: a page a guest wrote a few words of is mostly zeros in the delta, which zstd packs to
// almost nothing. Applying a delta XORs it into RAM as it was at the previous snapshot, so
// deltas apply in order, starting from a whole snapshot.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "mmu/phys_mem.h"

namespace pvlab {

class RamTracker {
 public:
  explicit RamTracker(PhysMem& ram) : ram_(ram) {}

  // Rehash the pages written since the last sync (all of them the first time), add them to
  // the delta set and clear PhysMem's written set.
  void sync();
  // The RAM hash described above, seeded (after a sync).
  uint64_t hash(uint64_t seed);
  // The delta of the pages written since the last call (all of RAM the first time, XORed
  // with zeros), encoded as above, and the set starts empty again. With encode = false only
  // the bookkeeping is done (a whole snapshot is being taken) and nothing is returned. Sync
  // first. The first call keeps a copy of RAM (the base of the next delta) from then on.
  std::vector<uint8_t> take_delta(bool encode);
  // How many pages the last take_delta() covered.
  size_t last_delta_pages() const { return last_pages_; }

 private:
  PhysMem& ram_;
  bool primed_ = false;
  std::vector<uint64_t> page_hash_;
  std::vector<uint8_t> in_delta_;
  std::vector<uint8_t> shadow_;   // RAM at the last take_delta (empty before the first)
  size_t last_pages_ = 0;
  // Working buffers kept from one delta to the next (fresh ones would cost page faults).
  std::unique_ptr<uint8_t[]> raw_, packed_;
  size_t raw_cap_ = 0, packed_cap_ = 0;
};

// Check a delta completely (sizes, page numbers, the compressed frame) and only then XOR its
// pages into `ram`. On failure `error` names the problem and the byte (counted from `base`,
// the delta's offset in its file); RAM is left as it was.
bool apply_ram_delta(PhysMem& ram, const std::vector<uint8_t>& delta, uint64_t base,
                     std::string& error);

}  // namespace pvlab
