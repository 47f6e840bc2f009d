/* 8259 PIC pair and 8254 PIT channel 0, programmed the way a PC kernel does. */
#include "ktest.h"

void kpic_remap(uint8_t master_base, uint8_t slave_base) {
  outb(0x20, 0x11); /* ICW1: edge, cascade, ICW4 follows */
  outb(0xa0, 0x11);
  outb(0x21, master_base); /* ICW2: vector base */
  outb(0xa1, slave_base);
  outb(0x21, 0x04); /* ICW3: slave on IR2 */
  outb(0xa1, 0x02); /* ICW3: slave identity 2 */
  outb(0x21, 0x01); /* ICW4: 8086 mode, normal EOI */
  outb(0xa1, 0x01);
  kpic_set_masks(0xfffb); /* everything masked but the cascade */
}

void kpic_set_masks(uint16_t mask) {
  outb(0x21, (uint8_t)mask);
  outb(0xa1, (uint8_t)(mask >> 8));
}

void kpic_mask(int irq, int masked) {
  uint16_t port = irq < 8 ? 0x21 : 0xa1;
  uint8_t bit = (uint8_t)(1u << (irq & 7));
  uint8_t m = inb(port);
  outb(port, masked ? (uint8_t)(m | bit) : (uint8_t)(m & ~bit));
}

void kpic_eoi(int irq) {
  if (irq >= 8) outb(0xa0, 0x20);
  outb(0x20, 0x20);
}

static uint16_t read_ocw3(uint8_t ocw3) {
  outb(0x20, ocw3);
  outb(0xa0, ocw3);
  return (uint16_t)(inb(0x20) | inb(0xa0) << 8);
}
uint16_t kpic_irr(void) { return read_ocw3(0x0a); }
uint16_t kpic_isr(void) { return read_ocw3(0x0b); }

void kpit_set(int mode, uint16_t count) {
  outb(0x43, (uint8_t)(0x30 | (mode & 7) << 1)); /* channel 0, LSB then MSB, binary */
  outb(0x40, (uint8_t)count);
  outb(0x40, (uint8_t)(count >> 8));
}

uint16_t kpit_read(void) {
  outb(0x43, 0x00); /* latch channel 0 */
  uint8_t lo = inb(0x40);
  return (uint16_t)(lo | inb(0x40) << 8);
}

uint64_t kpit_tsc_hz(void) {
  /* Channel 2 in mode 0 counts 11932 PIT ticks (10 ms) once its gate (port 0x61 bit 0) rises;
     OUT2 (port 0x61 bit 5) goes high at the end. The speaker stays off (bit 1 clear). */
  uint8_t saved = inb(0x61);
  outb(0x61, (uint8_t)(saved & ~0x03));
  outb(0x43, 0xb0); /* channel 2, LSB then MSB, mode 0, binary */
  outb(0x42, 11932 & 0xff);
  outb(0x42, 11932 >> 8);
  uint64_t t0 = rdtsc();
  outb(0x61, (uint8_t)((saved & ~0x02) | 0x01));
  uint32_t spins = 0;
  while (!(inb(0x61) & 0x20))
    if (++spins > 50000000) return 0;
  uint64_t t1 = rdtsc();
  outb(0x61, saved);
  return (t1 - t0) * 100; /* 10 ms */
}
