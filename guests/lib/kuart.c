/* Polled output on COM1 (16550 at 0x3F8): 115200 baud, 8N1, FIFOs on, no interrupts. */
#include "ktest.h"

#define COM1 0x3f8

void kuart_init(void) {
  outb(COM1 + 1, 0x00); /* IER: no interrupts */
  outb(COM1 + 3, 0x80); /* LCR: DLAB */
  outb(COM1 + 0, 0x01); /* divisor 1: 115200 baud */
  outb(COM1 + 1, 0x00);
  outb(COM1 + 3, 0x03); /* 8N1 */
  outb(COM1 + 2, 0x07); /* FCR: enable and clear the FIFOs */
  outb(COM1 + 4, 0x03); /* MCR: DTR, RTS; OUT2 off, so no IRQ 4 */
}

void kputc(char c) {
  /* Wait for THR empty, but not forever: a broken UART must not hang the report. */
  for (int i = 0; i < 1000000 && !(inb(COM1 + 5) & 0x20); ++i) {
  }
  outb(COM1, (uint8_t)c);
}

void kputs(const char* s) {
  while (*s) kputc(*s++);
}
