/* Interrupts: the 8259 pair remapped to vectors 0x20-0x2F, the 8254 driving IRQ 0 in modes 2
   and 0, the time between ticks measured with RDTSC, EOI, masking, IF, and priorities.

   With `tsc_khz=N` on the command line the measured TSC rate must be within 0.5% of N kHz
   (pvlab: 1000000); without it, only the ratios between the PIT rates are checked. */
#include "ktest.h"

#define VEC_IRQ0 0x20
#define VEC_IRQ4 0x24

static volatile uint32_t ticks;
static volatile uint64_t tick_tsc[128];
static volatile int send_eoi = 1;
static volatile uint8_t order[8];
static volatile uint32_t order_len;

static void on_irq0(struct trap_frame* f) {
  (void)f;
  uint32_t n = ticks;
  if (n < 128) tick_tsc[n] = rdtsc();
  ticks = n + 1;
  if (order_len < sizeof order) order[order_len++] = 0;
  if (send_eoi) outb(0x20, 0x60); /* specific EOI for IR0 */
}

static void on_irq4(struct trap_frame* f) {
  (void)f;
  (void)inb(0x3f8 + 2); /* IIR: reading it clears a THRE interrupt */
  outb(0x3f8 + 1, 0);   /* IER: no more */
  if (order_len < sizeof order) order[order_len++] = 4;
  kpic_eoi(4);
}

/* Wait (with interrupts enabled, halting) until `n` IRQ 0 ticks have been counted. */
static int wait_ticks(uint32_t n) {
  uint64_t guard = 0;
  while (ticks < n) {
    sti_hlt();
    if (++guard > 100000) return 0;
  }
  cli();
  return 1;
}

/* Busy-wait `cycles` TSC cycles with interrupts as they are. */
static void spin_tsc(uint64_t cycles) {
  uint64_t end = rdtsc() + cycles;
  while (rdtsc() < end) __asm__ volatile("pause");
}

/* Run the PIT in mode 2 with `divisor` for `periods` ticks; returns TSC cycles per tick. */
static uint64_t measure_period(uint16_t divisor, uint32_t periods) {
  ticks = 0;
  send_eoi = 1;
  kpit_set(2, divisor);
  kpic_mask(0, 0);
  if (!wait_ticks(periods + 1)) return 0;
  kpic_mask(0, 1);
  return kdivu64(tick_tsc[periods] - tick_tsc[0], periods);
}

/* |a - b| <= b * permille / 1000, in 64 bits without division. */
static int within(uint64_t a, uint64_t b, uint32_t permille) {
  uint64_t d = a > b ? a - b : b - a;
  return d * 1000 <= b * permille;
}

int main(uint32_t magic, uint32_t info) {
  ktest_init(magic, info);
  kpic_remap(VEC_IRQ0, 0x28);
  ktrap_set(VEC_IRQ0, on_irq0);
  ktrap_set(VEC_IRQ4, on_irq4);

  uint8_t m1 = inb(0x21), m2 = inb(0xa1);
  ktest_check("pic-remap-masks", m1 == 0xfb && m2 == 0xff, "IMR %#x %#x, expected 0xfb 0xff", m1, m2);

  /* 100 Hz (divisor 11932) for 10 ticks, then about 1 kHz (divisor 1193) for 50 ticks. */
  uint64_t slow = measure_period(11932, 10);
  uint64_t fast = measure_period(1193, 50);
  ktest_check("pit-irq0-ticks", slow != 0 && fast != 0, "IRQ 0 did not tick (slow %u, fast %u)",
              (uint32_t)slow, (uint32_t)fast);
  /* Emulators on the host's clock jitter; a machine whose TSC rate is given must be exact. */
  uint32_t khz;
  int exact = ktest_arg_uint("tsc_khz", &khz);
  uint32_t tol = exact ? 5 : 250; /* permille */
  /* The two periods must be in the ratio of the divisors. */
  ktest_check("pit-period-ratio", fast && within(slow * 1193, fast * 11932, tol),
              "cycles per tick %u at divisor 11932 and %u at 1193", (uint32_t)slow, (uint32_t)fast);
  uint64_t tsc_hz = kdivu64(slow * KPIT_HZ, 11932);
  if (exact)
    ktest_check("pit-tsc-rate", within(tsc_hz, (uint64_t)khz * 1000, tol),
                "TSC runs at %u kHz by the PIT, expected %u kHz", (uint32_t)kdivu64(tsc_hz, 1000), khz);
  else
    ktest_check("pit-tsc-rate", tsc_hz > 50000000ull && tsc_hz < 20000000000ull,
                "implausible TSC rate %u kHz", (uint32_t)kdivu64(tsc_hz, 1000));
  uint64_t tick = fast; /* cycles per ~1 ms tick */

  /* Mode 0: one interrupt after the count, then silence. A long count first stops the mode 2
     ticks; a tick latched while IRQ 0 was masked is taken before the measurement starts. */
  kpit_set(0, 0xffff);
  kpic_mask(0, 0);
  __asm__ volatile("sti; nop; nop; cli" ::: "memory");
  ticks = 0;
  uint64_t t0 = rdtsc();
  kpit_set(0, 5966); /* 5 ms */
  int ok = wait_ticks(1);
  uint64_t elapsed = ok ? tick_tsc[0] - t0 : 0;
  sti();
  spin_tsc(tick * 12);
  cli();
  ktest_check("pit-mode0-oneshot", ok && ticks == 1 && within(elapsed * 1193, tick * 5966, exact ? 10 : 250),
              "%u interrupts, first after %u cycles (1 ms ~ %u cycles)", ticks, (uint32_t)elapsed,
              (uint32_t)tick);

  /* The counter counts down in mode 2. */
  kpit_set(2, 60000);
  spin_tsc(tick / 4);
  uint16_t c1 = kpit_read();
  spin_tsc(tick / 4);
  uint16_t c2 = kpit_read();
  ktest_check("pit-latch-countdown", c1 < 60000 && c2 < c1, "latched counts %u then %u", c1, c2);

  /* Without an EOI, IR0 stays in service and further ticks wait in the IRR. */
  ticks = 0;
  send_eoi = 0;
  kpit_set(2, 1193);
  kpic_mask(0, 0);
  ok = wait_ticks(1);
  sti();
  spin_tsc(tick * 5);
  cli();
  uint16_t isr = kpic_isr(), irr = kpic_irr();
  ktest_check("eoi-missing-blocks", ok && ticks == 1 && (isr & 1) && (irr & 1),
              "ticks %u, ISR %#x, IRR %#x", ticks, isr, irr);
  send_eoi = 1;
  outb(0x20, 0x20); /* non-specific EOI: the pending tick is delivered at once */
  __asm__ volatile("sti; nop; nop; cli" ::: "memory");
  ktest_check("eoi-releases-pending", ticks >= 2 && !(kpic_isr() & 1), "ticks %u after EOI", ticks);

  /* A masked IRQ is latched in the IRR but not delivered; unmasking delivers it. */
  kpic_mask(0, 1);
  ticks = 0;
  sti();
  spin_tsc(tick * 4);
  cli();
  irr = kpic_irr();
  ktest_check("mask-holds", ticks == 0 && (irr & 1), "ticks %u while masked, IRR %#x", ticks, irr);
  kpic_mask(0, 0);
  __asm__ volatile("sti; nop; nop; cli" ::: "memory");
  ktest_check("unmask-delivers", ticks >= 1, "ticks %u after unmasking", ticks);

  /* IF = 0 holds an unmasked request until STI. */
  ticks = 0;
  spin_tsc(tick * 3);
  uint32_t held = ticks;
  __asm__ volatile("sti; nop; nop; cli" ::: "memory");
  ktest_check("cli-holds", held == 0 && ticks >= 1, "ticks %u with IF=0, %u after STI", held, ticks);

  /* IRQ 0 and IRQ 4 both pending: the lower IRQ number is served first. */
  kpic_mask(0, 1);
  order_len = 0;
  spin_tsc(tick * 2);            /* IRQ 0 latched while masked */
  outb(0x3f8 + 4, 0x0b);         /* MCR: DTR, RTS, OUT2 (IRQ line enabled) */
  outb(0x3f8 + 1, 0x02);         /* IER: THR empty */
  spin_tsc(tick / 8);
  kpic_set_masks(0xffea);        /* unmask IRQ 0, 2 (cascade), 4 */
  __asm__ volatile("sti; nop; nop; nop; nop; cli" ::: "memory");
  kpic_set_masks(0xfffb);
  outb(0x3f8 + 4, 0x03);
  ktest_check("priority-order", order_len == 2 && order[0] == 0 && order[1] == 4,
              "%u interrupts, first IRQ %u, second IRQ %u", order_len, order[0], order[1]);

  ktest_finish();
}
