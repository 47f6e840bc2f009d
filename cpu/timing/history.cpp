#include "cpu/timing/history.h"

#include <algorithm>
#include <iterator>
#include <string>
#include <vector>

#include "devices/state_io.h"

namespace pvlab {

void WindowHistory::init(uint32_t n) {
  std::fill(std::begin(v_), std::end(v_), 0);
  n_ = std::clamp<uint32_t>(n, 1, kMaxWindow);
  seq_ = 0;
}

void WindowHistory::save(StateWriter& w) const {
  const uint32_t pos = uint32_t(seq_ % n_);
  w.u32(n_);
  w.u32(pos);
  for (uint32_t k = 0; k < n_; ++k) {
    const uint32_t j = (k + n_ - pos) % n_;   // place k holds the value pushed N - j pushes ago
    w.u64(v_[(seq_ - n_ + j) & kMask]);
  }
}

bool WindowHistory::load(StateReader& r) {
  const uint32_t n = r.u32(), pos = r.u32();
  if (!r.ok()) return false;
  if (n != n_)
    return r.fail("timing model window size of " + std::to_string(n) + " (this configuration has " +
                  std::to_string(n_) + ")");
  std::vector<uint64_t> ring(n_);
  for (uint64_t& x : ring) x = r.u64();
  if (!r.ok()) return false;
  if (pos >= n_) return r.fail("timing model window position beyond the window");
  // Any count of pushes equal to `pos` modulo N will do: with N + pos, the push N - j pushes
  // ago is number pos + j, at ring place pos + j.
  std::fill(std::begin(v_), std::end(v_), 0);
  seq_ = uint64_t(n_) + pos;
  for (uint32_t j = 0; j < n_; ++j) v_[(pos + j) & kMask] = ring[(pos + j) % n_];
  return true;
}

}  // namespace pvlab
