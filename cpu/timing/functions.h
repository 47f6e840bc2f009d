// The guest's functions by address, for CPI stacks per function: built once from the ELF
// symbol table (sized symbols; an unsized one reaches to the next symbol), looked up only
// when the timing model first sees a decoded instruction (cpu/timing/ooo.h keeps the answer
// with the instruction's shape), never per retired instruction.
#pragma once
#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

namespace pvlab {

class FunctionMap {
 public:
  struct Range {
    uint32_t start, end;   // [start, end)
    std::string name;
  };
  // `ranges` in any order; overlapping ones keep the first by start address.
  explicit FunctionMap(std::vector<Range> ranges) : r_(std::move(ranges)) {
    std::sort(r_.begin(), r_.end(), [](const Range& a, const Range& b) { return a.start < b.start; });
    std::vector<Range> kept;
    for (Range& x : r_) {
      if (x.end <= x.start) continue;
      if (!kept.empty() && x.start < kept.back().end) continue;
      kept.push_back(std::move(x));
    }
    r_ = std::move(kept);
  }
  size_t size() const { return r_.size(); }
  const Range& at(size_t i) const { return r_[i]; }
  // The index of the function holding `addr`, or -1.
  int32_t find(uint32_t addr) const {
    auto it = std::upper_bound(r_.begin(), r_.end(), addr, [](uint32_t a, const Range& x) { return a < x.start; });
    if (it == r_.begin()) return -1;
    --it;
    return addr < it->end ? int32_t(it - r_.begin()) : -1;
  }

 private:
  std::vector<Range> r_;
};

}  // namespace pvlab
