#include "rt.h"

/* Console output goes to the 0xE9 debug port. */
void putc_(char c) { outb(0xe9, (uint8_t)c); }

void puts_(const char* s) {
  while (*s) putc_(*s++);
}

void putu(uint32_t v) {
  char buf[11];
  int n = 0;
  do {
    buf[n++] = (char)('0' + v % 10);
    v /= 10;
  } while (v);
  while (n) putc_(buf[--n]);
}

void putx(uint32_t v) {
  puts_("0x");
  for (int i = 28; i >= 0; i -= 4) putc_("0123456789abcdef"[(v >> i) & 0xf]);
}
