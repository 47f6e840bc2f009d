/* The demo guest: greets, counts the primes below 10000 with a sieve, checksums a buffer,
   and powers the machine off. */
#include "rt.h"

static uint8_t composite[10000];

static uint32_t count_primes(uint32_t n) {
  uint32_t count = 0;
  for (uint32_t i = 2; i < n; ++i) {
    if (composite[i]) continue;
    ++count;
    for (uint32_t j = i * i; j < n; j += i) composite[j] = 1;
  }
  return count;
}

static uint32_t fnv1a(const uint8_t* p, uint32_t n) {
  uint32_t h = 2166136261u;
  for (uint32_t i = 0; i < n; ++i) h = (h ^ p[i]) * 16777619u;
  return h;
}

int main(uint32_t magic, uint32_t info) {
  (void)info;
  puts_("Hello from a pvlab guest!\n");
  puts_("multiboot magic: ");
  putx(magic);
  puts_("\nprimes below 10000: ");
  putu(count_primes(10000));
  puts_("\nsieve checksum: ");
  putx(fnv1a(composite, sizeof composite));
  puts_("\nbye\n");
  return 0;
}
