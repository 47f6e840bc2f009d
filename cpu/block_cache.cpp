#include "cpu/block_cache.h"

#include <algorithm>

namespace pvlab {

Block* BlockCache::insert(std::unique_ptr<Block> b) {
  if (map_.size() >= max_blocks_) flush();
  ++stats_.built;
  Block* raw = b.get();
  uint64_t k = key(b->phys, b->mode);
  auto it = map_.find(k);
  if (it != map_.end()) drop(it->second.get());
  by_frame_[raw->phys >> kPageShift].push_back(raw);
  if (raw->frame2 != ~paddr_t(0)) by_frame_[raw->frame2 >> kPageShift].push_back(raw);
  map_[k] = std::move(b);
  return raw;
}

void BlockCache::drop(Block* b) {
  if (!b->valid) return;
  b->valid = false;
  ++generation_;
  ++stats_.invalidated;
  for (paddr_t f : {b->phys, b->frame2}) {
    if (f == ~paddr_t(0)) continue;
    auto it = by_frame_.find(f >> kPageShift);
    if (it == by_frame_.end()) continue;
    auto& v = it->second;
    v.erase(std::remove(v.begin(), v.end(), b), v.end());
    if (v.empty()) by_frame_.erase(it);
  }
  uint64_t k = key(b->phys, b->mode);
  unsigned slot = unsigned((k ^ (k >> 12)) & (kFast - 1));
  if (fast_[slot] == b) fast_[slot] = nullptr;
  auto it = map_.find(k);
  if (it != map_.end() && it->second.get() == b) {
    graveyard_.push_back(std::move(it->second));
    map_.erase(it);
  }
}

bool BlockCache::invalidate_frame(uint64_t pfn) {
  auto it = by_frame_.find(pfn);
  if (it == by_frame_.end()) return false;
  std::vector<Block*> victims = it->second;
  for (Block* b : victims) drop(b);
  return true;
}

void BlockCache::flush() {
  ++stats_.flushes;
  ++generation_;
  for (auto& [k, b] : map_) {
    b->valid = false;
    graveyard_.push_back(std::move(b));
  }
  map_.clear();
  by_frame_.clear();
  std::fill(std::begin(fast_), std::end(fast_), nullptr);
}

}  // namespace pvlab
