// The last N values of a sequence, as the fast timing engine keeps the retire cycles of its
// reorder buffer's micro-ops, the issue cycles of its reservation stations and the retire
// cycles of its loads and stores (cpu/timing/ooo.h): oldest() is the value pushed N pushes
// ago, 0 when there was none. A ring of kMaxWindow entries indexed by the count of pushes, so
// that neither its place nor its size needs loading from memory at each push.
#pragma once
#include <cstdint>

#include "cpu/timing/config.h"
#include "mmu/types.h"

namespace pvlab {

class StateReader;
class StateWriter;

class WindowHistory {
 public:
  // Empty, for N values (at most kMaxWindow, which configuration files are held to).
  void init(uint32_t n);
  uint32_t size() const { return n_; }
  uint64_t oldest() const { return v_[(seq_ - n_) & kMask]; }
  PVLAB_INLINE void push(uint64_t x) { v_[seq_++ & kMask] = x; }
  PVLAB_INLINE void push_n(uint64_t x, unsigned k) {
    uint64_t s = seq_;
    for (; k; --k) v_[s++ & kMask] = x;
    seq_ = s;
  }

  // As bytes: N, then a ring of exactly N values and the place of the oldest in it. The place
  // is the count of pushes modulo N and the value pushed N - j pushes ago sits j places after
  // it (wrapping round), so the bytes depend only on what was pushed and how often. load()
  // refuses another N or a place beyond the ring.
  void save(StateWriter& w) const;
  bool load(StateReader& r);

 private:
  static_assert((kMaxWindow & (kMaxWindow - 1)) == 0, "the ring's size is a power of two");
  static constexpr uint32_t kMask = kMaxWindow - 1;
  uint64_t v_[kMaxWindow] = {};
  uint64_t seq_ = 0;   // pushes so far (the bytes keep it modulo n_)
  uint32_t n_ = 1;
};

}  // namespace pvlab
