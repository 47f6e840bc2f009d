/* A very small freestanding runtime for pvlab's bare-metal guests. */
#ifndef PVLAB_GUEST_RT_H
#define PVLAB_GUEST_RT_H
#include <stdint.h>

static inline void outb(uint16_t port, uint8_t v) { __asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port)); }
static inline uint8_t inb(uint16_t port) {
  uint8_t v;
  __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
  return v;
}

void putc_(char c);
void puts_(const char* s);
void putu(uint32_t v);
void putx(uint32_t v);

#endif
