// The fast engine's window histories (cpu/timing/history.h) against the plainest ring that
// means the same: N slots and the place of the oldest, advanced at every push. They must agree
// on every oldest(), and write the bytes that ring's state reads as, so that snapshots and
// recordings taken with either load in the other and hash alike.
#include <doctest/doctest.h>

#include <cstdint>
#include <vector>

#include "cpu/timing/history.h"
#include "devices/state_io.h"

namespace pvlab {
namespace {

struct PlainRing {
  std::vector<uint64_t> v;
  uint32_t pos = 0;
  explicit PlainRing(uint32_t n) : v(n, 0) {}
  uint64_t oldest() const { return v[pos]; }
  void push(uint64_t x) {
    v[pos] = x;
    pos = pos + 1 == v.size() ? 0 : pos + 1;
  }
  std::vector<uint8_t> bytes() const {
    StateWriter w;
    w.u32(uint32_t(v.size()));
    w.u32(pos);
    for (uint64_t x : v) w.u64(x);
    return w.take();
  }
};

// A deterministic sequence of values (xorshift), so failures repeat.
struct Values {
  uint64_t s = 0x9e3779b97f4a7c15ull;
  uint64_t next() {
    s ^= s << 13;
    s ^= s >> 7;
    s ^= s << 17;
    return s;
  }
};

std::vector<uint8_t> saved(const WindowHistory& h) {
  StateWriter w;
  h.save(w);
  return w.take();
}

}  // namespace

TEST_CASE("window history: oldest() and its bytes are those of a plain ring of N") {
  for (uint32_t n : {1u, 3u, 12u, 20u, 40u, 224u, kMaxWindow}) {
    CAPTURE(n);
    WindowHistory h;
    h.init(n);
    PlainRing ref(n);
    Values val;
    for (uint32_t k = 0; k < 3 * n + 7; ++k) {
      REQUIRE(h.oldest() == ref.oldest());
      // push_n() as the reorder buffer uses it, one to three micro-ops at a time.
      const unsigned times = 1 + unsigned(val.next() % 3);
      const uint64_t x = val.next();
      h.push_n(x, times);
      for (unsigned t = 0; t < times; ++t) ref.push(x);
      if (k % 5 == 0) REQUIRE(saved(h) == ref.bytes());
    }
    CHECK(saved(h) == ref.bytes());
  }
}

TEST_CASE("window history: a plain ring's bytes load and go on alike, and save back the same") {
  for (uint32_t n : {3u, 40u, 1000u}) {
    for (uint32_t pushes : {0u, 1u, n - 1, n, n + 2, 5 * n + 1}) {
      CAPTURE(n);
      CAPTURE(pushes);
      PlainRing ref(n);
      Values val;
      for (uint32_t k = 0; k < pushes; ++k) ref.push(val.next());
      const std::vector<uint8_t> blob = ref.bytes();
      WindowHistory h;
      h.init(n);
      StateReader r(blob);
      REQUIRE(h.load(r));
      CHECK(saved(h) == blob);
      for (uint32_t k = 0; k < 2 * n + 3; ++k) {
        REQUIRE(h.oldest() == ref.oldest());
        const uint64_t x = val.next();
        h.push(x);
        ref.push(x);
      }
      CHECK(saved(h) == ref.bytes());
    }
  }
}

TEST_CASE("window history: bytes for another size, a place beyond the ring or cut short are refused") {
  WindowHistory h;
  h.init(40);
  for (int k = 0; k < 50; ++k) h.push(uint64_t(k) + 1);
  const std::vector<uint8_t> good = saved(h);
  const uint64_t before = h.oldest();

  WindowHistory other;
  other.init(20);
  StateReader r1(good);
  CHECK_FALSE(other.load(r1));
  CHECK(r1.error().find("window size of 40") != std::string::npos);

  std::vector<uint8_t> bad = good;
  bad[4] = 40;   // the place of the oldest, now the ring's size
  StateReader r2(bad);
  CHECK_FALSE(h.load(r2));
  CHECK(r2.error().find("position beyond the window") != std::string::npos);

  StateReader r3(good.data(), good.size() - 3);
  CHECK_FALSE(h.load(r3));
  CHECK(r3.error().find("truncated") != std::string::npos);
  // A refused load leaves the history as it was.
  CHECK(h.oldest() == before);
  CHECK(saved(h) == good);
}

}  // namespace pvlab
