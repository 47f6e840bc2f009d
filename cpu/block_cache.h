// Decoded blocks keyed by the physical address of their first byte and the decoding mode.
// A block lists the frames its bytes came from; a write to such a frame drops every block on
// it. Dropped blocks are kept until the run loop reaches a safe point, so the block being
// executed stays readable while its last instruction finishes.
#pragma once
#include <memory>
#include <unordered_map>
#include <vector>

#include "cpu/insn.h"
#include "mmu/types.h"

namespace pvlab {

struct Block {
  paddr_t phys = 0;            // physical address of the first byte
  uint32_t mode = 0;           // decoding mode key
  uint32_t lin = 0;            // linear address it was decoded at (for the CS-limit check)
  uint32_t span = 0;           // bytes covered
  paddr_t frame2 = ~paddr_t(0);  // second frame when the last instruction crosses a page
  uint32_t lin2 = 0;           // linear page of that second frame
  bool valid = true;
  std::vector<Insn> insns;
  // Successors seen before, so the run loop can skip the lookup: the block that ran next
  // from `eip`, valid while the CPU's fetch stamp is still `stamp`.
  struct Link {
    uint32_t eip = 0;
    uint64_t stamp = ~0ull;
    Block* next = nullptr;
  };
  Link link[2];
  uint8_t link_victim = 0;
};

struct BlockCacheStats {
  uint64_t lookups = 0, misses = 0, built = 0, invalidated = 0, flushes = 0;
};

class BlockCache {
 public:
  explicit BlockCache(size_t max_blocks) : max_blocks_(max_blocks) {}

  static uint64_t key(paddr_t phys, uint32_t mode) { return phys | (uint64_t(mode) << 40); }

  Block* find(paddr_t phys, uint32_t mode) {
    ++stats_.lookups;
    uint64_t k = key(phys, mode);
    unsigned slot = unsigned((k ^ (k >> 12)) & (kFast - 1));
    if (fast_[slot] && fast_key_[slot] == k) return fast_[slot];
    auto it = map_.find(k);
    if (it == map_.end()) {
      ++stats_.misses;
      return nullptr;
    }
    fast_[slot] = it->second.get();
    fast_key_[slot] = k;
    return it->second.get();
  }

  Block* insert(std::unique_ptr<Block> b);
  // Drop every block holding bytes of frame `pfn`. Returns true if any was dropped.
  bool invalidate_frame(uint64_t pfn);
  void flush();
  // Free dropped blocks; call only where no block is executing.
  void collect() { graveyard_.clear(); }
  bool has_garbage() const { return !graveyard_.empty(); }
  size_t size() const { return map_.size(); }
  const BlockCacheStats& stats() const { return stats_; }
  // Changes whenever a block is dropped (so links to it are stale).
  uint64_t generation() const { return generation_; }
  bool frame_has_code(uint64_t pfn) const { return by_frame_.count(pfn) != 0; }

 private:
  void drop(Block* b);
  static constexpr unsigned kFast = 4096;
  size_t max_blocks_;
  std::unordered_map<uint64_t, std::unique_ptr<Block>> map_;
  std::unordered_map<uint64_t, std::vector<Block*>> by_frame_;
  std::vector<std::unique_ptr<Block>> graveyard_;
  Block* fast_[kFast] = {};
  uint64_t fast_key_[kFast] = {};
  BlockCacheStats stats_;
  uint64_t generation_ = 0;
};

}  // namespace pvlab
