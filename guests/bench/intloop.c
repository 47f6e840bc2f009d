/* Integer-heavy benchmark with PAE paging on: hashing, table updates, small sorts and
   branches over a working set that fits the TLB. The iteration count comes from the
   command line ("iters=N"); the checksum printed at the end lets runs be compared. */
#include "bench.h"
#include "paging.h"

static uint32_t table[1024];
static uint16_t small[64];

static uint32_t xorshift(uint32_t x) {
  x ^= x << 13;
  x ^= x >> 17;
  x ^= x << 5;
  return x;
}

static void insertion_sort(uint16_t* a, int n) {
  for (int i = 1; i < n; ++i) {
    uint16_t v = a[i];
    int j = i - 1;
    while (j >= 0 && a[j] > v) {
      a[j + 1] = a[j];
      --j;
    }
    a[j + 1] = v;
  }
}

int main(uint32_t magic, const struct mb_info* mb) {
  (void)magic;
  uint32_t iters = bench_iters(mb, 2000);
  paging_enable_pae(16);
  uint32_t x = 2463534242u, sum = 0;
  for (uint32_t it = 0; it < iters; ++it) {
    for (int k = 0; k < 1024; ++k) {
      x = xorshift(x);
      uint32_t idx = x & 1023;
      table[idx] = (table[idx] + x) ^ (table[(idx + 7) & 1023] >> 3);
      sum += table[idx] & 0xff ? 1 : 3;
    }
    for (int k = 0; k < 64; ++k) small[k] = (uint16_t)(table[(it * 64 + k) & 1023] >> 7);
    insertion_sort(small, 64);
    sum += small[0] + small[63];
  }
  bench_finish("intloop", sum ^ x);
}
