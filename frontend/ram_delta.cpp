#include "frontend/ram_delta.h"

#include <zstd.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <stdexcept>

#include "devices/state_io.h"
#include "frontend/state_file.h"

namespace pvlab {

namespace {

constexpr uint8_t kXorZstd = 2;   // zstd of the pages XOR their previous bytes
constexpr int kZstdLevel = 1;

uint64_t get_le(const uint8_t* p, unsigned n) {
  uint64_t v = 0;
  for (unsigned i = 0; i < n; ++i) v |= uint64_t(p[i]) << (8 * i);
  return v;
}

}  // namespace

void RamTracker::sync() {
  const size_t n = ram_.frames();
  if (!primed_) {
    page_hash_.assign(n, 0);
    in_delta_.assign(n, 1);
    for (size_t p = 0; p < n; ++p) page_hash_[p] = state_hash(ram_.ptr(paddr_t(p) << kPageShift), kPageSize);
    primed_ = true;
  } else {
    const uint8_t* d = ram_.dirty_map();
    for (size_t p = 0; p < n; ++p) {
      if (!d[p]) continue;
      page_hash_[p] = state_hash(ram_.ptr(paddr_t(p) << kPageShift), kPageSize);
      in_delta_[p] = 1;
    }
  }
  ram_.clear_dirty();
}

uint64_t RamTracker::hash(uint64_t seed) {
  // Little-endian u64s: the page hashes' bytes as they lie in memory on the x86 hosts pvlab
  // runs on.
  static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "the RAM hash reads page hashes as little-endian");
  return state_hash(reinterpret_cast<const uint8_t*>(page_hash_.data()), page_hash_.size() * 8, seed);
}

std::vector<uint8_t> RamTracker::take_delta(bool encode) {
  std::vector<uint32_t> pages;
  for (size_t p = 0; p < in_delta_.size(); ++p)
    if (in_delta_[p]) pages.push_back(uint32_t(p));
  std::fill(in_delta_.begin(), in_delta_.end(), uint8_t(0));
  last_pages_ = pages.size();
  const bool first = shadow_.empty();
  if (first) shadow_.assign(ram_.ptr(0), ram_.ptr(0) + ram_.size());
  if (!encode) {
    if (!first)
      for (uint32_t p : pages)
        std::memcpy(shadow_.data() + (size_t(p) << kPageShift), ram_.ptr(paddr_t(p) << kPageShift), kPageSize);
    return {};
  }
  StateWriter w;
  w.u64(ram_.size());
  w.u32(uint32_t(pages.size()));
  for (uint32_t p : pages) w.u32(p);
  w.u8(kXorZstd);
  std::vector<uint8_t> out = w.take();
  // The XORed pages, then one compression call, both into kept, uninitialised buffers (a
  // large delta would otherwise spend its time clearing fresh memory written over anyway).
  const size_t raw_len = pages.size() * size_t(kPageSize);
  const size_t bound = ZSTD_compressBound(raw_len);
  if (raw_cap_ < raw_len || !raw_) {
    raw_.reset(new uint8_t[raw_len ? raw_len : 1]);
    raw_cap_ = raw_len;
  }
  if (packed_cap_ < bound) {
    packed_.reset(new uint8_t[bound]);
    packed_cap_ = bound;
  }
  uint8_t* const raw = raw_.get();
  for (size_t i = 0; i < pages.size(); ++i) {
    const size_t at = size_t(pages[i]) << kPageShift;
    const uint8_t* now = ram_.ptr(at);
    uint8_t* old = shadow_.data() + at;
    uint8_t* x = raw + i * kPageSize;
    if (first) {   // against zeros
      std::memcpy(x, now, kPageSize);
      continue;
    }
    for (unsigned k = 0; k < kPageSize; k += 8) {
      uint64_t a, b;
      std::memcpy(&a, now + k, 8);
      std::memcpy(&b, old + k, 8);
      a ^= b;
      std::memcpy(x + k, &a, 8);
    }
    std::memcpy(old, now, kPageSize);
  }
  const size_t n = ZSTD_compress(packed_.get(), bound, raw, raw_len, kZstdLevel);
  if (ZSTD_isError(n)) throw std::runtime_error(std::string("zstd: ") + ZSTD_getErrorName(n));
  out.insert(out.end(), packed_.get(), packed_.get() + n);
  return out;
}

bool apply_ram_delta(PhysMem& ram, const std::vector<uint8_t>& delta, uint64_t base,
                     std::string& error) {
  auto fail = [&](uint64_t at, const std::string& what) {
    error = "RAM delta at byte " + std::to_string(base + at) + ": " + what;
    return false;
  };
  if (delta.size() < 12) return fail(0, "too short for its header");
  const uint64_t bytes = get_le(delta.data(), 8);
  if (bytes != ram.size())
    return fail(0, "RAM of " + std::to_string(bytes) + " bytes, the machine has " + std::to_string(ram.size()));
  const uint64_t count = get_le(delta.data() + 8, 4);
  if (count > ram.frames()) return fail(8, std::to_string(count) + " pages, RAM has " + std::to_string(ram.frames()));
  const uint64_t list_end = 12 + 4 * count;
  if (delta.size() < list_end + 1) return fail(12, "the list of " + std::to_string(count) + " pages is cut short");
  std::vector<uint32_t> pages(count);
  for (uint64_t i = 0; i < count; ++i) {
    pages[i] = uint32_t(get_le(delta.data() + 12 + 4 * i, 4));
    if (pages[i] >= ram.frames()) return fail(12 + 4 * i, "page " + std::to_string(pages[i]) + " is beyond RAM");
    if (i && pages[i] <= pages[i - 1]) return fail(12 + 4 * i, "the page numbers are not ascending");
  }
  if (delta[list_end] != kXorZstd) return fail(list_end, "unknown encoding " + std::to_string(delta[list_end]));
  const uint8_t* frame = delta.data() + list_end + 1;
  const size_t frame_len = delta.size() - list_end - 1;
  const unsigned long long content = ZSTD_getFrameContentSize(frame, frame_len);
  if (content != count * kPageSize)
    return fail(list_end + 1, "the compressed pages do not hold " + std::to_string(count * kPageSize) + " bytes");
  std::vector<uint8_t> raw(count * kPageSize);
  if (count) {
    const size_t n = ZSTD_decompress(raw.data(), raw.size(), frame, frame_len);
    if (ZSTD_isError(n) || n != raw.size())
      return fail(list_end + 1, ZSTD_isError(n) ? ZSTD_getErrorName(n) : "short page data");
  }
  for (uint64_t i = 0; i < count; ++i) {
    uint8_t* page = ram.ptr(paddr_t(pages[i]) << kPageShift);
    const uint8_t* x = raw.data() + i * kPageSize;
    for (unsigned k = 0; k < kPageSize; ++k) page[k] ^= x[k];
  }
  ram.mark_all_dirty();   // replaced from outside: whoever hashes RAM looks again
  return true;
}

}  // namespace pvlab
