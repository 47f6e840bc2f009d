#include "bench.h"

#include "poweroff.h"
#include "rt.h"

uint32_t bench_iters(const struct mb_info* mb, uint32_t fallback) {
  if (!mb || !(mb->flags & 4) || !mb->cmdline) return fallback;
  static const char key[] = "iters=";
  for (const char* s = (const char*)mb->cmdline; *s; ++s) {
    int k = 0;
    while (key[k] && s[k] == key[k]) ++k;
    if (key[k]) continue;
    uint32_t n = 0;
    for (s += k; *s >= '0' && *s <= '9'; ++s) n = n * 10 + (uint32_t)(*s - '0');
    return n;
  }
  return fallback;
}

void bench_finish(const char* name, uint32_t checksum) {
  puts_(name);
  puts_(" checksum ");
  putx(checksum);
  puts_("\n");
  power_off();
}

void bench_fail(const char* name, const char* what, uint32_t value) {
  puts_(name);
  puts_(": FAILED ");
  puts_(what);
  puts_(" ");
  putx(value);
  puts_("\n");
  power_off();
}
