// The miss-status registers of one cache level, for the timing model: each outstanding miss
// holds one register from the cycle it is sent to the next level until its line arrives. A
// miss to a line already outstanding merges with it (it waits for the same arrival and takes
// no register); when every register is busy a new miss waits for the one that frees first.
// Tags only, like the caches (cpu/timing/cache.h): a register is a line number, the cycle
// its data arrives and a small tag saying where from (the model's CPI cause).
#pragma once
#include <algorithm>
#include <cstdint>
#include <vector>

#include "devices/state_io.h"
#include "mmu/types.h"

namespace pvlab {

class MissRegs {
 public:
  explicit MissRegs(uint32_t n) : regs_(n ? n : 1) {}
  size_t size() const { return regs_.size(); }

  // When `line`'s data arrives if a miss to it is still outstanding at cycle `at` (and its
  // `from` tag), else 0.
  PVLAB_INLINE uint64_t pending(uint64_t line, uint64_t at, uint8_t& from) const {
    if (at >= busy_until_) return 0;   // nothing outstanding: the common case costs one compare
    for (const Reg& r : regs_)
      if (r.line == line && r.done > at) {
        from = r.from;
        return r.done;
      }
    return 0;
  }
  // No miss outstanding at cycle `at` (pending() then answers 0).
  bool quiet_at(uint64_t at) const { return at >= busy_until_; }
  // The first cycle >= `at` at which a register is free.
  uint64_t free_at(uint64_t at) const {
    uint64_t best = ~0ull;
    for (const Reg& r : regs_) best = std::min(best, r.done);
    return std::max(at, best);
  }
  // A miss to `line`, sent no earlier than free_at(), whose data arrives at `done`: it takes
  // the register that freed first.
  void take(uint64_t line, uint64_t done, uint8_t from) {
    Reg* best = &regs_[0];
    for (Reg& r : regs_)
      if (r.done < best->done) best = &r;
    *best = {line, done, from};
    busy_until_ = std::max(busy_until_, done);
  }
  // A register free at `at` without waiting (for prefetches, which are dropped rather than
  // queued when every register is busy).
  bool idle_at(uint64_t at) const {
    if (at >= busy_until_) return true;
    for (const Reg& r : regs_)
      if (r.done <= at) return true;
    return false;
  }

  void save(StateWriter& w) const {
    w.tag("MSHR");
    w.u32(uint32_t(regs_.size()));
    for (const Reg& r : regs_) {
      w.u64(r.line);
      w.u64(r.done);
      w.u8(r.from);
    }
    w.u64(busy_until_);
  }
  // False (with the reader's error set) when the blob was written for another register count.
  bool load(StateReader& r) {
    if (!r.tag("MSHR")) return false;
    if (!r.check(r.u32() == regs_.size(), "miss-status register count differs from the configuration"))
      return false;
    for (Reg& g : regs_) {
      g.line = r.u64();
      g.done = r.u64();
      g.from = r.u8();
    }
    busy_until_ = r.u64();
    return r.ok();
  }

 private:
  struct Reg {
    uint64_t line = ~0ull;
    uint64_t done = 0;
    uint8_t from = 0;
  };
  std::vector<Reg> regs_;
  uint64_t busy_until_ = 0;   // the latest arrival of any register
};

}  // namespace pvlab
