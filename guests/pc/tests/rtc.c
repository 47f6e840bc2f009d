/* CMOS and RTC: reading the clock (UIP, BCD and binary, 24-hour), the periodic interrupt on
   IRQ 8 at 1024 Hz against the TSC, register C's flags and read-to-clear, the once-a-second
   update interrupt, the alarm interrupt, and the CMOS memory-size fields.

   With `tsc_khz=N` on the command line the TSC rate is taken as given (and the PIT-measured
   rate must agree within 0.5%); otherwise it is measured and tolerances are wide. */
#include "ktest.h"

#define VEC_IRQ8 0x28
#define REG_A 0x0a
#define REG_B 0x0b
#define REG_C 0x0c

static uint8_t cmos(uint8_t reg) {
  outb(0x70, reg); /* bit 7 clear: NMI stays enabled, as a BIOS leaves it */
  return inb(0x71);
}
static void cmos_set(uint8_t reg, uint8_t v) {
  outb(0x70, reg);
  outb(0x71, v);
}
static uint32_t bcd(uint8_t v) { return (v >> 4) * 10u + (v & 15u); }
static int is_bcd(uint8_t v) { return (v & 15) < 10 && (v >> 4) < 10; }

static volatile uint32_t irqs, pf_irqs, uf_irqs, af_irqs;
static volatile uint64_t first_tsc, last_tsc, uf_tsc[4];

static void on_irq8(struct trap_frame* f) {
  (void)f;
  uint8_t c = cmos(REG_C);
  uint64_t t = rdtsc();
  if (irqs == 0) first_tsc = t;
  last_tsc = t;
  ++irqs;
  if (c & 0x40) ++pf_irqs;
  if (c & 0x10) {
    if (uf_irqs < 4) uf_tsc[uf_irqs] = t;
    ++uf_irqs;
  }
  if (c & 0x20) ++af_irqs;
  kpic_eoi(8);
}

static int within(uint64_t a, uint64_t b, uint32_t permille) {
  uint64_t d = a > b ? a - b : b - a;
  return d * 1000 <= b * permille;
}

/* Halt until `cond` holds or about `max_ms` of TSC time passed (a PIT tick wakes HLT). */
static volatile uint32_t pit_ticks;
static void on_irq0(struct trap_frame* f) {
  (void)f;
  ++pit_ticks;
  kpic_eoi(0);
}
#define WAIT_FOR(cond, max_ms)                                                                   \
  do {                                                                                           \
    pit_ticks = 0;                                                                               \
    while (!(cond) && pit_ticks < (max_ms)) sti_hlt();                                           \
    cli();                                                                                       \
  } while (0)

static void wait_uip_clear(void) {
  for (int i = 0; i < 1000000 && (cmos(REG_A) & 0x80); ++i) {
  }
}

int main(uint32_t magic, uint32_t info) {
  ktest_init(magic, info);
  kpic_remap(0x20, 0x28);
  ktrap_set(VEC_IRQ8, on_irq8);
  ktrap_set(0x20, on_irq0);
  kpit_set(2, 1193); /* 1 kHz wake-ups for the waits */
  kpic_mask(0, 0);

  uint32_t khz;
  int exact = ktest_arg_uint("tsc_khz", &khz);
  uint64_t measured = kpit_tsc_hz();
  uint64_t tsc_hz = exact ? (uint64_t)khz * 1000 : measured;
  uint32_t tol = exact ? 5 : 250;
  if (exact)
    ktest_check("pit-ch2-tsc-calibration", within(measured, tsc_hz, tol), "measured %u kHz, expected %u kHz",
                (uint32_t)kdivu64(measured, 1000), khz);

  /* ---- the clock ---- */
  uint8_t b = cmos(REG_B);
  ktest_check("cmos-status-b", (b & 0x06) == 0x02, "register B %#x: expected BCD and 24-hour mode", b);
  wait_uip_clear();
  uint8_t sec = cmos(0x00), min = cmos(0x02), hour = cmos(0x04), day = cmos(0x07), mon = cmos(0x08),
          year = cmos(0x09), cent = cmos(0x32);
  int ok = is_bcd(sec) && is_bcd(min) && is_bcd(hour) && is_bcd(day) && is_bcd(mon) && is_bcd(year) &&
           is_bcd(cent) && bcd(sec) < 60 && bcd(min) < 60 && bcd(hour) < 24 && bcd(day) >= 1 && bcd(day) <= 31 &&
           bcd(mon) >= 1 && bcd(mon) <= 12 && bcd(cent) >= 20;
  ktest_check("cmos-read-time", ok, "%02x%02x-%02x-%02x %02x:%02x:%02x", cent, year, mon, day, hour, min, sec);
  kprintf("# RTC time %02x%02x-%02x-%02x %02x:%02x:%02x\n", cent, year, mon, day, hour, min, sec);

  /* Binary mode: the same fields without BCD. */
  cmos_set(REG_B, (uint8_t)(b | 0x04));
  wait_uip_clear();
  uint8_t bsec = cmos(0x00), bmin = cmos(0x02), bmon = cmos(0x08);
  cmos_set(REG_B, b);
  ktest_check("cmos-binary-mode", bsec < 60 && bmin < 60 && bmon >= 1 && bmon <= 12 && bmon == bcd(mon),
              "binary fields sec %u min %u month %u (BCD month %#x)", bsec, bmin, bmon, mon);

  /* The memory-size fields: 0x30-0x31 KiB above 1 MiB (at most 65535 or, as many BIOSes
     leave it, 63 MiB = 0xFC00), 0x34-0x35 64 KiB blocks above 16 MiB. Both describe the same
     RAM, which is more than 4 MiB. */
  uint32_t ext = cmos(0x30) | (uint32_t)cmos(0x31) << 8;
  uint32_t above16 = cmos(0x34) | (uint32_t)cmos(0x35) << 8;
  kprintf("# CMOS memory: %u KiB above 1 MiB, %u x 64 KiB above 16 MiB\n", ext, above16);
  int consistent = above16 ? ext >= 15 * 1024 : ext < 15 * 1024 + 64;
  ktest_check("cmos-memory-size", ext >= 3072 && consistent, "extended %u KiB, %u blocks above 16 MiB", ext,
              above16);

  /* ---- periodic interrupt: rate 6 = 1024 Hz ---- */
  (void)cmos(REG_C);
  cmos_set(REG_A, (uint8_t)((cmos(REG_A) & 0xf0) | 0x06));
  irqs = pf_irqs = 0;
  cmos_set(REG_B, (uint8_t)(b | 0x40)); /* PIE */
  kpic_mask(2, 0);
  kpic_mask(8, 0);
  WAIT_FOR(irqs >= 65, 1000);
  cmos_set(REG_B, b);
  uint32_t n = irqs;
  uint64_t span = last_tsc - first_tsc;
  uint64_t want = kdivu64(tsc_hz * (n - 1), 1024);
  ktest_check("rtc-periodic-irq", n >= 65 && pf_irqs == n, "%u interrupts, %u with PF", n, pf_irqs);
  ktest_check("rtc-periodic-rate", n >= 2 && within(span, want, exact ? 10 : 250),
              "%u periods took %u cycles, expected %u", n - 1, (uint32_t)span, (uint32_t)want);

  /* Register C: PF is set at the periodic rate whatever PIE says (MC146818 data sheet), IRQF
     only with PIE; reading clears both. QEMU 7.2's RTC runs no periodic timer without PIE. */
  kpic_mask(8, 1);
  cmos_set(REG_B, b);
  (void)cmos(REG_C);
  uint64_t t0 = rdtsc();
  while (rdtsc() - t0 < kdivu64(tsc_hz, 500)) { /* 2 ms */
  }
  uint8_t c1 = cmos(REG_C), c2 = cmos(REG_C);
  ktest_check("rtc-regc-polled", (c1 & 0xc0) == 0x40 && (c2 & 0x70) == 0,
              "register C %#x (expected PF without IRQF), then %#x", c1, c2);

  /* ---- update-ended interrupt, once a second ---- */
  irqs = uf_irqs = 0;
  kpic_mask(8, 0);
  cmos_set(REG_B, (uint8_t)(b | 0x10)); /* UIE */
  WAIT_FOR(uf_irqs >= 3, 3500);
  cmos_set(REG_B, b);
  uint32_t nu = uf_irqs;
  ktest_check("rtc-update-irq", nu >= 3 && within(uf_tsc[2] - uf_tsc[1], tsc_hz, exact ? 5 : 250),
              "%u update interrupts, %u cycles between the 2nd and 3rd (1 s = %u)", nu,
              (uint32_t)(uf_tsc[2] - uf_tsc[1]), (uint32_t)tsc_hz);

  /* ---- alarm: two seconds from now, hours and minutes "don't care" ---- */
  wait_uip_clear();
  uint32_t s = bcd(cmos(0x00));
  uint32_t target = (s + 2) % 60;
  cmos_set(0x01, (uint8_t)((target / 10) << 4 | (target % 10)));
  cmos_set(0x03, 0xc0);
  cmos_set(0x05, 0xc0);
  (void)cmos(REG_C);
  irqs = af_irqs = 0;
  cmos_set(REG_B, (uint8_t)(b | 0x20)); /* AIE */
  WAIT_FOR(af_irqs >= 1, 3500);
  cmos_set(REG_B, b);
  wait_uip_clear();
  uint32_t s_now = bcd(cmos(0x00));
  ktest_check("rtc-alarm-irq", af_irqs == 1 && s_now == target, "%u alarm interrupts; now second %u, alarm at %u",
              af_irqs, s_now, target);

  kpic_set_masks(0xfffb);
  ktest_finish();
}
