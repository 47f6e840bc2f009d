// The differential tester's own pseudo-random numbers: xoshiro256** seeded through
// splitmix64. Deterministic for a given seed on every host; nothing here reads host entropy.
#pragma once
#include <cstdint>

namespace pvdiff {

inline uint64_t splitmix64(uint64_t& x) {
  uint64_t z = (x += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

class Rng {
 public:
  explicit Rng(uint64_t seed) {
    for (auto& w : s_) w = splitmix64(seed);
  }
  // The generator for item `index` of a run with `seed`: each test case has its own stream,
  // so one case can be reproduced alone.
  static Rng for_case(uint64_t seed, uint64_t index) {
    uint64_t x = seed ^ (index * 0xd1342543de82ef95ull);
    return Rng(splitmix64(x) ^ index);
  }

  uint64_t next() {
    const uint64_t r = rotl(s_[1] * 5, 7) * 9;
    const uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return r;
  }
  uint32_t u32() { return uint32_t(next() >> 32); }
  uint8_t byte() { return uint8_t(next() >> 56); }
  // Uniform in [0, n).
  uint32_t below(uint32_t n) { return n ? uint32_t((uint64_t(u32()) * n) >> 32) : 0; }
  // True with probability num/den.
  bool chance(uint32_t num, uint32_t den) { return below(den) < num; }

 private:
  static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  uint64_t s_[4];
};

}  // namespace pvdiff
