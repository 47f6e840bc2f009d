// The L1D stride prefetcher of the timing model: a table indexed by the load's instruction
// address remembers the last line that load touched and the distance from the one before.
// When a load's new line is that same distance on again (the stride is confirmed), the lines
// `degree` strides further on are worth fetching. A stride of one line is the next-line
// prefetcher; a pointer chase through scattered lines never repeats its distance and so
// triggers nothing.
//
// It is trained on L1D misses and on the first use of a line it prefetched (so a stream it
// already follows keeps running ahead). It also remembers which lines it brought in and were
// not used yet, so the model can count the useful ones. Tags only; the model issues the
// prefetches through the miss-status registers (cpu/timing/mshr.h).
#pragma once
#include <cstdint>
#include <vector>

#include "devices/state_io.h"

namespace pvlab {

class StridePrefetcher {
 public:
  explicit StridePrefetcher(uint32_t degree) : degree_(degree) {
    for (uint64_t& m : marks_) m = kNone;
  }
  uint32_t degree() const { return degree_; }

  // A demand access to `line` by the load at `pc`: the lines to prefetch go to `out` (room
  // for degree() of them); returns how many.
  unsigned train(uint32_t pc, uint64_t line, uint64_t* out) {
    Stream& s = table_[(pc ^ (pc >> 7)) & (kStreams - 1)];
    if (s.pc != pc) {
      s = {pc, line, 0};
      return 0;
    }
    const int64_t delta = int64_t(line - s.last);
    s.last = line;
    if (delta == 0) return 0;
    if (delta != s.stride) {
      s.stride = delta;
      return 0;
    }
    for (uint32_t k = 1; k <= degree_; ++k) out[k - 1] = line + uint64_t(delta * int64_t(k));
    return degree_;
  }

  // `line` was brought in by a prefetch and not used yet.
  void mark(uint64_t line) { marks_[line & (kMarks - 1)] = line; }
  // A prefetch brought `line` in and it has not been used since (use() would say true).
  bool marked(uint64_t line) const { return marks_[line & (kMarks - 1)] == line; }
  // The first demand use of a line: true (and forgotten) when a prefetch brought it in.
  bool use(uint64_t line) {
    uint64_t& m = marks_[line & (kMarks - 1)];
    if (m != line) return false;
    m = kNone;
    return true;
  }

  void save(StateWriter& w) const {
    w.tag("PFST");
    for (const Stream& s : table_) {
      w.u32(s.pc);
      w.u64(s.last);
      w.i64(s.stride);
    }
    for (uint64_t m : marks_) w.u64(m);
  }
  bool load(StateReader& r) {
    if (!r.tag("PFST")) return false;
    for (Stream& s : table_) {
      s.pc = r.u32();
      s.last = r.u64();
      s.stride = r.i64();
    }
    for (uint64_t& m : marks_) m = r.u64();
    return r.ok();
  }

 private:
  static constexpr size_t kStreams = 64, kMarks = 256;
  static constexpr uint64_t kNone = ~0ull;
  struct Stream {
    uint32_t pc = ~0u;
    uint64_t last = 0;    // the line this load touched last
    int64_t stride = 0;   // in lines
  };
  uint32_t degree_;
  Stream table_[kStreams];
  uint64_t marks_[kMarks];
};

}  // namespace pvlab
