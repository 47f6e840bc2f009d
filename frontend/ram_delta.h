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
//   ram_bytes:u64  count:u32  pfn:u32 * count (ascending)  compression:u8 (1 = zstd)
//   the zstd frame of the count pages, in pfn order
#pragma once
#include <cstdint>
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
  // The pages written since the last take_delta() (or since the tracker began), ascending;
  // the set starts empty again. Sync first.
  std::vector<uint32_t> take_delta();

 private:
  PhysMem& ram_;
  bool primed_ = false;
  std::vector<uint64_t> page_hash_;
  std::vector<uint8_t> in_delta_;
};

// The delta format above for `pages` of `ram`.
std::vector<uint8_t> encode_ram_delta(const PhysMem& ram, const std::vector<uint32_t>& pages);
// Check a delta completely (sizes, page numbers, the compressed frame) and only then write
// its pages into `ram`. On failure `error` names the problem and the byte (counted from
// `base`, the delta's offset in its file); RAM is left as it was.
bool apply_ram_delta(PhysMem& ram, const std::vector<uint8_t>& delta, uint64_t base,
                     std::string& error);
// How many pages a delta holds, or -1 when its header is malformed.
int64_t ram_delta_pages(const std::vector<uint8_t>& delta);

}  // namespace pvlab
