/* Local APIC: the base MSR, ID/version/SVR registers, the timer in one-shot and periodic
   mode (rate against the TSC, the current count, the divide register, masking), EOI and the
   ISR, the task priority register holding an interrupt back, and a self IPI.

   With `apic_khz=N` (the timer's input clock before division; pvlab: 100000) and
   `tsc_khz=N` on the command line the timer rate must be within 0.5%; otherwise the one-shot
   and periodic periods are only checked against each other and the divide ratio. The 8259s
   stay masked throughout. */
#include "ktest.h"

#define APIC 0xfee00000u
#define ID 0x020
#define VER 0x030
#define TPR 0x080
#define EOI 0x0b0
#define SVR 0x0f0
#define ISR0 0x100
#define IRR0 0x200
#define ICR_LO 0x300
#define ICR_HI 0x310
#define LVT_TIMER 0x320
#define TMR_INIT 0x380
#define TMR_CUR 0x390
#define TMR_DIV 0x3e0

#define VEC_TIMER 0x40
#define VEC_IPI 0x51
#define VEC_SPURIOUS 0xff

static uint32_t rd(uint32_t reg) { return *(volatile uint32_t*)(APIC + reg); }
static void wr(uint32_t reg, uint32_t v) { *(volatile uint32_t*)(APIC + reg) = v; }
static int isr_bit(uint32_t vec) { return (rd(ISR0 + (vec / 32) * 0x10) >> (vec % 32)) & 1; }
static int irr_bit(uint32_t vec) { return (rd(IRR0 + (vec / 32) * 0x10) >> (vec % 32)) & 1; }

static volatile uint32_t timer_irqs, ipi_irqs, isr_in_handler, send_eoi = 1;
static volatile uint64_t timer_tsc[32];

static void on_timer(struct trap_frame* f) {
  (void)f;
  uint32_t n = timer_irqs;
  if (n < 32) timer_tsc[n] = rdtsc();
  timer_irqs = n + 1;
  isr_in_handler = (uint32_t)isr_bit(VEC_TIMER);
  if (send_eoi) wr(EOI, 0);
}

static void on_ipi(struct trap_frame* f) {
  (void)f;
  ++ipi_irqs;
  wr(EOI, 0);
}

static void on_spurious(struct trap_frame* f) { (void)f; }

static int within(uint64_t a, uint64_t b, uint32_t permille) {
  uint64_t d = a > b ? a - b : b - a;
  return d * 1000 <= b * permille;
}

/* Spin with interrupts enabled until `cond` holds or `cycles` TSC cycles passed. Checks that
   expect an event wait for it (emulators on a busy host are late); checks that expect none
   wait a fixed time. */
#define SPIN_UNTIL(cond, cycles)                                                                 \
  do {                                                                                           \
    uint64_t end_ = rdtsc() + (cycles);                                                          \
    sti();                                                                                       \
    while (!(cond) && rdtsc() < end_) __asm__ volatile("pause");                                 \
    cli();                                                                                       \
  } while (0)
#define SPIN(cycles) SPIN_UNTIL(0, cycles)

/* One-shot with divide code `div_code`: TSC cycles from the write of the count to the
   interrupt. */
static uint64_t one_shot(uint32_t div_code, uint32_t count) {
  wr(TMR_INIT, 0); /* stop whatever ran before */
  timer_irqs = 0;
  wr(TMR_DIV, div_code);
  wr(LVT_TIMER, VEC_TIMER); /* one-shot, unmasked */
  uint64_t t0 = rdtsc();
  wr(TMR_INIT, count);
  for (uint32_t i = 0; i < 100000 && timer_irqs == 0; ++i) sti_hlt();
  cli();
  return timer_irqs ? timer_tsc[0] - t0 : 0;
}

int main(uint32_t magic, uint32_t info) {
  ktest_init(magic, info);
  kpic_remap(0x20, 0x28);
  kpic_set_masks(0xffff);
  /* A PC with a local APIC says so in CPUID; go on with the register tests if one answers
     anyway, so the report shows what works. */
  int have = ktest_check("apic-cpuid", (cpuid_edx(1) & (1u << 9)) != 0, "CPUID.1:EDX bit 9 (APIC) is clear");
  uint32_t ver0 = rd(VER);
  if (!have && (ver0 == 0xffffffffu || ver0 == 0)) {
    ktest_skip("apic", "no local APIC at %#x", APIC);
    ktest_finish();
  }
  ktrap_set(VEC_TIMER, on_timer);
  ktrap_set(VEC_IPI, on_ipi);
  ktrap_set(VEC_SPURIOUS, on_spurious);

  uint64_t base = rdmsr(MSR_APIC_BASE);
  ktest_check("apic-base-msr", (base & 0xfffff000u) == APIC && (base & (1u << 11)) && (base & (1u << 8)),
              "IA32_APIC_BASE %#llx: expected 0xfee00000, enabled, BSP", base);
  uint32_t ver = rd(VER);
  ktest_check("apic-version", (ver & 0xff) >= 0x10 && (ver & 0xff) <= 0x15 && ((ver >> 16) & 0xff) >= 3,
              "version register %#x", ver);
  wr(SVR, 0x100 | VEC_SPURIOUS);
  uint32_t svr = rd(SVR);
  ktest_check("apic-svr-enable", (svr & 0x1ff) == (0x100 | VEC_SPURIOUS), "SVR %#x", svr);
  wr(TPR, 0);

  uint32_t tsc_khz, apic_khz;
  int exact = ktest_arg_uint("tsc_khz", &tsc_khz) && ktest_arg_uint("apic_khz", &apic_khz);
  uint64_t ms = kdivu64(exact ? (uint64_t)tsc_khz * 1000 : kpit_tsc_hz(), 1000);
  if (!ms) ms = 1000000;

  /* One-shot, 16 million input clocks: divide by 16 (code 3) and by 64 (code 9). */
  uint64_t d16 = one_shot(0x3, 1000000);
  uint32_t cur = rd(TMR_CUR);
  SPIN(2 * ms);
  uint32_t n_after = timer_irqs;
  ktest_check("apic-oneshot", d16 != 0 && cur == 0 && n_after == 1,
              "%u cycles to the interrupt, current count %u after it, %u interrupts", (uint32_t)d16, cur, n_after);
  ktest_check("apic-isr-in-handler", isr_in_handler == 1 && !isr_bit(VEC_TIMER),
              "ISR bit %u in the handler, %d after EOI", isr_in_handler, isr_bit(VEC_TIMER));
  uint64_t d64 = one_shot(0x9, 250000);
  ktest_check("apic-divide", d64 != 0 && within(d64, d16, exact ? 10 : 250),
              "%u cycles for 1000000 / 16, %u for 250000 / 64", (uint32_t)d16, (uint32_t)d64);
  if (exact) {
    uint64_t want = kdivu64((uint64_t)16000000 * tsc_khz, apic_khz);
    ktest_check("apic-timer-rate", within(d16, want, 5), "one-shot took %u TSC cycles, expected %u",
                (uint32_t)d16, (uint32_t)want);
  }

  /* The current count runs down from the initial count. */
  wr(LVT_TIMER, 0x10000 | VEC_TIMER); /* masked */
  wr(TMR_DIV, 0x3);
  wr(TMR_INIT, 1000000);
  uint32_t c1 = rd(TMR_CUR);
  SPIN(ms / 2);
  uint32_t c2 = rd(TMR_CUR);
  ktest_check("apic-current-count", c1 <= 1000000 && c2 < c1 && c2 > 0, "current count %u then %u", c1, c2);

  /* Masked: the count expires, no interrupt. */
  timer_irqs = 0;
  wr(TMR_INIT, 1000);
  SPIN(2 * ms);
  ktest_check("apic-lvt-masked", timer_irqs == 0 && rd(TMR_CUR) == 0, "%u interrupts, current count %u",
              timer_irqs, rd(TMR_CUR));

  /* Periodic: 10 periods of 100000 / 16, each a tenth of the first one-shot. */
  timer_irqs = 0;
  wr(LVT_TIMER, 0x20000 | VEC_TIMER);
  wr(TMR_INIT, 100000);
  for (uint32_t i = 0; i < 100000 && timer_irqs < 11; ++i) sti_hlt();
  cli();
  wr(LVT_TIMER, 0x10000 | VEC_TIMER);
  wr(TMR_INIT, 0);
  uint32_t np = timer_irqs;
  uint64_t period = np >= 11 ? timer_tsc[10] - timer_tsc[0] : 0; /* ten periods */
  ktest_check("apic-periodic", np >= 11 && within(period, d16, exact ? 10 : 250),
              "%u interrupts, 10 periods took %u cycles, the one-shot of the same length %u", np,
              (uint32_t)period, (uint32_t)d16);

  /* Without EOI the vector stays in service and the next one waits in the IRR. */
  send_eoi = 0;
  timer_irqs = 0;
  wr(LVT_TIMER, 0x20000 | VEC_TIMER);
  wr(TMR_INIT, 20000);
  SPIN_UNTIL(timer_irqs >= 1 && irr_bit(VEC_TIMER), 200 * ms);
  SPIN(ms / 2);
  wr(LVT_TIMER, 0x10000 | VEC_TIMER);
  wr(TMR_INIT, 0);
  uint32_t held = timer_irqs;
  int in_service = isr_bit(VEC_TIMER), pending = irr_bit(VEC_TIMER);
  send_eoi = 1;
  wr(EOI, 0);
  SPIN_UNTIL(timer_irqs >= 2, 50 * ms);
  ktest_check("apic-eoi-required", held == 1 && in_service && pending && timer_irqs == 2 && !isr_bit(VEC_TIMER),
              "%u interrupts without EOI (ISR %d, IRR %d), %u after it", held, in_service, pending, timer_irqs);

  /* TPR: priority class 5 holds vector 0x40 (class 4) back until it is lowered. */
  wr(TPR, 0x50);
  timer_irqs = 0;
  wr(LVT_TIMER, VEC_TIMER);
  wr(TMR_INIT, 1000);
  SPIN_UNTIL(irr_bit(VEC_TIMER), 200 * ms);
  SPIN(ms / 2);
  uint32_t while_high = timer_irqs;
  int irr_held = irr_bit(VEC_TIMER);
  wr(TPR, 0x30);
  SPIN_UNTIL(timer_irqs >= 1, 50 * ms);
  ktest_check("apic-tpr", while_high == 0 && irr_held && timer_irqs == 1,
              "%u interrupts with TPR 0x50 (IRR %d), %u with TPR 0x30", while_high, irr_held, timer_irqs);
  wr(TPR, 0);

  /* Self IPI by destination shorthand: fixed delivery, vector 0x51. */
  ipi_irqs = 0;
  wr(ICR_HI, 0);
  wr(ICR_LO, (1u << 18) | VEC_IPI);
  SPIN_UNTIL(ipi_irqs >= 1, 50 * ms);
  uint32_t icr = rd(ICR_LO);
  ktest_check("apic-self-ipi", ipi_irqs == 1 && !(icr & (1u << 12)), "%u IPIs, ICR %#x (delivery status clear)",
              ipi_irqs, icr);

  ktest_finish();
}
