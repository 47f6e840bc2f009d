/* printf-style formatting for test kernels: %d %i %u %x %X %p %s %c %%, the flags 0 - #,
   a width (or *), and the l / ll / h / hh length modifiers (ll for 64-bit values). */
#include "ktest.h"

struct out {
  char* buf; /* 0: write to COM1 */
  int size, len;
};

static void emit(struct out* o, char c) {
  if (!o->buf) kputc(c);
  else if (o->len + 1 < o->size) o->buf[o->len] = c;
  ++o->len;
}

/* 64-bit division by a small divisor without libgcc: long division in 16-bit steps. */
static uint64_t divmod64(uint64_t n, uint32_t d, uint32_t* rem) {
  uint64_t q = 0;
  uint32_t r = 0;
  for (int shift = 48; shift >= 0; shift -= 16) {
    uint32_t cur = (r << 16) | (uint32_t)((n >> shift) & 0xffff);
    q = (q << 16) | (cur / d);
    r = cur % d;
  }
  *rem = r;
  return q;
}

uint64_t kdivu64(uint64_t n, uint64_t d) {
  uint64_t q = 0, r = 0;
  for (int i = 63; i >= 0; --i) {
    r = (r << 1) | ((n >> i) & 1);
    q <<= 1;
    if (r >= d) {
      r -= d;
      q |= 1;
    }
  }
  return q;
}

static void emit_number(struct out* o, uint64_t v, int neg, uint32_t base, int upper, int width,
                        char pad, int left, const char* prefix) {
  char digits[24];
  int n = 0;
  const char* set = upper ? "0123456789ABCDEF" : "0123456789abcdef";
  do {
    uint32_t r;
    v = divmod64(v, base, &r);
    digits[n++] = set[r];
  } while (v);
  int extra = (neg ? 1 : 0);
  for (const char* p = prefix; *p; ++p) ++extra;
  int fill = width > n + extra ? width - n - extra : 0;
  if (!left && pad == ' ')
    while (fill-- > 0) emit(o, ' ');
  if (neg) emit(o, '-');
  for (const char* p = prefix; *p; ++p) emit(o, *p);
  if (!left && pad == '0')
    while (fill-- > 0) emit(o, '0');
  while (n) emit(o, digits[--n]);
  if (left)
    while (fill-- > 0) emit(o, ' ');
}

static void format(struct out* o, const char* fmt, va_list ap) {
  for (; *fmt; ++fmt) {
    if (*fmt != '%') {
      emit(o, *fmt);
      continue;
    }
    ++fmt;
    int left = 0, alt = 0, width = 0, lng = 0;
    char pad = ' ';
    for (;; ++fmt) {
      if (*fmt == '-') left = 1;
      else if (*fmt == '0') pad = '0';
      else if (*fmt == '#') alt = 1;
      else break;
    }
    if (*fmt == '*') {
      width = va_arg(ap, int);
      ++fmt;
    }
    while (*fmt >= '0' && *fmt <= '9') width = width * 10 + (*fmt++ - '0');
    while (*fmt == 'l' || *fmt == 'h') {
      if (*fmt == 'l') ++lng;
      ++fmt;
    }
    switch (*fmt) {
      case 'd':
      case 'i': {
        int64_t v = lng >= 2 ? va_arg(ap, int64_t) : va_arg(ap, int32_t);
        emit_number(o, v < 0 ? (uint64_t)-v : (uint64_t)v, v < 0, 10, 0, width, pad, left, "");
        break;
      }
      case 'u':
      case 'x':
      case 'X': {
        uint64_t v = lng >= 2 ? va_arg(ap, uint64_t) : va_arg(ap, uint32_t);
        uint32_t base = *fmt == 'u' ? 10 : 16;
        emit_number(o, v, 0, base, *fmt == 'X', width, pad, left, alt && base == 16 ? "0x" : "");
        break;
      }
      case 'p':
        emit_number(o, (uint32_t)va_arg(ap, void*), 0, 16, 0, 8, '0', 0, "0x");
        break;
      case 'c':
        emit(o, (char)va_arg(ap, int));
        break;
      case 's': {
        const char* s = va_arg(ap, const char*);
        if (!s) s = "(null)";
        int n = 0;
        while (s[n]) ++n;
        if (!left)
          for (int i = n; i < width; ++i) emit(o, ' ');
        while (*s) emit(o, *s++);
        if (left)
          for (int i = n; i < width; ++i) emit(o, ' ');
        break;
      }
      case '%':
        emit(o, '%');
        break;
      case '\0':
        return;
      default:
        emit(o, '%');
        emit(o, *fmt);
    }
  }
}

void kvprintf(const char* fmt, va_list ap) {
  struct out o = {0, 0, 0};
  format(&o, fmt, ap);
}

void kprintf(const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  kvprintf(fmt, ap);
  va_end(ap);
}

int kvsnprintf(char* buf, int size, const char* fmt, va_list ap) {
  struct out o = {buf, size, 0};
  format(&o, fmt, ap);
  if (size > 0) buf[o.len < size ? o.len : size - 1] = '\0';
  return o.len;
}

int ksnprintf(char* buf, int size, const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = kvsnprintf(buf, size, fmt, ap);
  va_end(ap);
  return n;
}
