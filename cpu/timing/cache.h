// One level of a set-associative cache with true LRU replacement, for the timing model. It
// holds tags only (the functional core owns the data). Each set keeps its ways ordered from
// most to least recently used, so a hit moves one tag to the front and a miss shifts the
// set and drops the last way.
#pragma once
#include <cstdint>
#include <vector>

#include "cpu/timing/config.h"
#include "mmu/types.h"

namespace pvlab {

class StateReader;
class StateWriter;

class TimingCache {
 public:
  explicit TimingCache(const CacheParams& p) : p_(p) {
    line_shift_ = 0;
    while ((1u << line_shift_) < p.line) ++line_shift_;
    sets_ = p.size / (p.line * p.assoc);
    tags_.assign(size_t(sets_) * p.assoc, kEmpty);
  }
  const CacheParams& params() const { return p_; }
  unsigned line_shift() const { return line_shift_; }

  // Look `addr` up and make its line the most recently used (allocating it on a miss).
  // True on a hit.
  PVLAB_INLINE bool access(uint64_t addr) {
    const uint64_t line = addr >> line_shift_;
    uint64_t* set = &tags_[(line & (sets_ - 1)) * p_.assoc];
    if (set[0] == line) {
      ++hits_;
      return true;
    }
    unsigned w = 1;
    while (w < p_.assoc && set[w] != line) ++w;
    const bool hit = w < p_.assoc;
    if (!hit) w = p_.assoc - 1;
    for (; w > 0; --w) set[w] = set[w - 1];
    set[0] = line;
    hit ? ++hits_ : ++misses_;
    return hit;
  }
  // access() when `addr`'s line is its set's most recently used one (a hit that changes no
  // order): counts the hit and says true; otherwise false, and nothing is touched.
  PVLAB_INLINE bool access_mru(uint64_t addr) {
    const uint64_t line = addr >> line_shift_;
    if (tags_[(line & (sets_ - 1)) * p_.assoc] != line) return false;
    ++hits_;
    return true;
  }
  // The line is present (no update).
  bool holds(uint64_t addr) const {
    const uint64_t line = addr >> line_shift_;
    const uint64_t* set = &tags_[(line & (sets_ - 1)) * p_.assoc];
    for (unsigned w = 0; w < p_.assoc; ++w)
      if (set[w] == line) return true;
    return false;
  }
  uint64_t hits() const { return hits_; }
  uint64_t misses() const { return misses_; }
  // Tags and counters as bytes (cpu/timing/ooo_state.cpp); load() refuses another geometry.
  void save(StateWriter& w) const;
  bool load(StateReader& r);

 private:
  static constexpr uint64_t kEmpty = ~0ull;
  CacheParams p_;
  unsigned line_shift_ = 0;
  uint64_t sets_ = 1;
  std::vector<uint64_t> tags_;
  uint64_t hits_ = 0, misses_ = 0;
};

}  // namespace pvlab
