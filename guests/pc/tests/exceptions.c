/* Exceptions and interrupt delivery in protected mode: the vector, error code and saved EIP
   (fault or trap) of #DE #DB #BP #OF #BR #UD #NM #TS #NP #SS #GP #AC and #DF, debug registers
   (execute and data breakpoints, single step, DR6), interrupt versus trap gates, gates that are
   not present or beyond the IDT limit, and the EXT bit of an error code raised while
   delivering a hardware interrupt.

   QEMU 7.2 (TCG) differs from the SDM on four of these and fails them: it checks no data
   segment limits or null selectors (exc-gp-limit, exc-gp-null), leaves EXT clear
   (exc-np-ext-bit) and has no alignment check (exc-ac). */
#include "ktest.h"

#define SEL_NP_DATA 0x30   /* data segment, not present */
#define SEL_SMALL_DATA 0x38 /* data segment, limit 0xFFF */
#define SEL_SHORT_TSS 0x40  /* TSS descriptor with a limit below 0x67 */

static struct tss32 short_tss;

/* KTEST_PROBE that also stores the address of its first instruction in `at` and of the one
   after its last in `next` (operands %0 and %1; the caller's inputs start at %2). */
#define PROBE_AT(insn, ...)                                                                       \
  KTEST_PROBE("movl $8001f, %0\n\tmovl $8002f, %1\n8001:\n\t" insn "\n8002:",                    \
              : "=&r"(at), "=&r"(next) __VA_ARGS__)

static void expect(const char* name, int vec, int want_vec, uint32_t err, uint32_t want_err, uint32_t eip,
                   uint32_t want_eip) {
  ktest_check(name, vec == want_vec && err == want_err && eip == want_eip,
              "vector %d error %#x EIP %#x; expected vector %d error %#x EIP %#x", vec, err, eip, want_vec,
              want_err, want_eip);
}

/* ---- #DB ---- */
static volatile uint32_t db_count, db_eip, db_dr6, db_eflags;

static uint32_t read_dr6(void) {
  uint32_t v;
  __asm__ volatile("movl %%dr6, %0" : "=r"(v));
  return v;
}
static void write_dr(int n, uint32_t v) {
  switch (n) {
    case 0: __asm__ volatile("movl %0, %%dr0" : : "r"(v)); break;
    case 1: __asm__ volatile("movl %0, %%dr1" : : "r"(v)); break;
    case 6: __asm__ volatile("movl %0, %%dr6" : : "r"(v)); break;
    case 7: __asm__ volatile("movl %0, %%dr7" : : "r"(v)); break;
  }
}

static void on_db(struct trap_frame* f) {
  ++db_count;
  db_eip = f->eip;
  db_dr6 = read_dr6();
  db_eflags = f->eflags;
  write_dr(6, 0);
  f->eflags &= ~0x100u;    /* TF: one step is enough */
  f->eflags |= 1u << 16;   /* RF: do not hit an instruction breakpoint again */
}

static void test_debug(void) {
  ktrap_set(1, on_db);
  uint32_t after;

  /* Single step: POPF sets TF; the trap comes after the instruction that follows it. */
  db_count = 0;
  write_dr(6, 0);
  __asm__ volatile(
      "movl $1f, %0\n\t"
      "pushfl\n\t"
      "orl $0x100, (%%esp)\n\t"
      "popfl\n\t"
      "nop\n"
      "1:\n\t"
      "nop"
      : "=&r"(after)
      :
      : "memory", "cc");
  ktest_check("exc-db-single-step", db_count == 1 && db_eip == after && (db_dr6 & 0x4000),
              "%u traps, EIP %#x (expected %#x), DR6 %#x", db_count, db_eip, after, db_dr6);

  /* Execute breakpoint in DR0: a fault at the instruction, resumed with RF. */
  db_count = 0;
  uint32_t at;
  __asm__ volatile(
      "movl $1f, %0\n\t"
      "movl %0, %%dr0\n\t"
      "movl $1, %%eax\n\t" /* DR7: L0, execute, length 1 */
      "movl %%eax, %%dr7\n\t"
      "nop\n"
      "1:\n\t"
      "nop"
      : "=&r"(at)
      :
      : "eax", "memory");
  write_dr(7, 0);
  ktest_check("exc-db-exec-breakpoint", db_count == 1 && db_eip == at && (db_dr6 & 0x1),
              "%u hits, EIP %#x (expected %#x), DR6 %#x", db_count, db_eip, at, db_dr6);

  /* Data breakpoint in DR1 on a write of 4 bytes: a trap after the writing instruction. */
  static volatile uint32_t watched;
  db_count = 0;
  write_dr(1, (uint32_t)&watched);
  write_dr(7, 0x4 | 0x1u << 20 | 0x3u << 22); /* L1, write, length 4 */
  __asm__ volatile(
      "movl $1f, %0\n\t"
      "movl $7, (%1)\n"
      "1:\n\t"
      "nop"
      : "=&r"(after)
      : "r"(&watched)
      : "memory");
  uint32_t read_hits = db_count;
  (void)watched; /* a read does not match a write breakpoint */
  write_dr(7, 0);
  ktest_check("exc-db-data-write", read_hits == 1 && db_count == 1 && db_eip == after && (db_dr6 & 0x2),
              "%u hits, EIP %#x (expected %#x), DR6 %#x", db_count, db_eip, after, db_dr6);
  ktrap_set(1, 0);
}

/* ---- gates: interrupt gates clear IF, trap gates keep it ---- */
static volatile uint32_t gate_eflags;
static void on_gate(struct trap_frame* f) {
  (void)f;
  gate_eflags = read_eflags();
}

/* ---- EXT: a hardware interrupt whose gate is not present ---- */
static void test_ext(void) {
  kpic_remap(0x20, 0x28);
  kpit_set(2, 1193);
  uint64_t saved = kidt_get(0x20);
  kidt_put(0x20, saved & ~(1ull << 47)); /* clear P */
  kpic_mask(0, 0);
  int v = KTEST_PROBE("sti\n\thlt\n\tcli", : : : "memory");
  cli();
  kpic_mask(0, 1);
  kpic_eoi(0);
  kidt_put(0x20, saved);
  ktest_check("exc-np-ext-bit", v == 11 && ktest_last_fault.err == (0x20 * 8 + 2 + 1),
              "vector %d error %#x; expected #NP(%#x): IDT, EXT", v, ktest_last_fault.err, 0x20 * 8 + 3);
}

static int user_misaligned(void* arg) {
  return KTEST_PROBE("movl (%0), %%eax", : : "r"((uint32_t)arg + 1) : "eax", "memory");
}

int main(uint32_t magic, uint32_t info) {
  ktest_init(magic, info);
  uint32_t at, next;
  int v;

  /* #DE: a fault at the DIV, for a zero divisor and for a quotient that does not fit. */
  v = PROBE_AT("xorl %%ecx, %%ecx\n\tdivl %%ecx", : "a"(1), "d"(0) : "ecx", "memory");
  expect("exc-de-zero", v, 0, ktest_last_fault.err, 0, ktest_last_fault.eip, at + 2);
  v = PROBE_AT("idivl %%ecx", : "a"(0x80000000u), "d"(0xffffffffu), "c"(-1) : "memory");
  expect("exc-de-overflow", v, 0, ktest_last_fault.err, 0, ktest_last_fault.eip, at);

  test_debug();

  /* #BP and #OF are traps: EIP is past the instruction. */
  v = PROBE_AT("int3", : : "memory");
  expect("exc-bp-int3", v, 3, ktest_last_fault.err, 0, ktest_last_fault.eip, next);
  v = PROBE_AT("movl $0x7fffffff, %%eax\n\taddl $1, %%eax\n\tinto", : : "eax", "memory", "cc");
  expect("exc-of-into", v, 4, ktest_last_fault.err, 0, ktest_last_fault.eip, next);

  /* #BR: BOUND with an index above the upper bound is a fault. */
  static int32_t bounds[2] = {10, 20};
  v = PROBE_AT("boundl %%eax, (%2)", : "r"(bounds), "a"(21) : "memory");
  expect("exc-br-bound", v, 5, ktest_last_fault.err, 0, ktest_last_fault.eip, at);

  /* #UD: UD2, and LOCK on an instruction that does not take it. */
  v = PROBE_AT("ud2", : : "memory");
  expect("exc-ud-ud2", v, 6, ktest_last_fault.err, 0, ktest_last_fault.eip, at);
  v = PROBE_AT(".byte 0xf0, 0x90", : : "memory");
  expect("exc-ud-lock", v, 6, ktest_last_fault.err, 0, ktest_last_fault.eip, at);

  /* #NM: x87 instructions with CR0.EM or CR0.TS; WAIT with CR0.MP and CR0.TS. */
  uint32_t cr0 = read_cr0();
  write_cr0(cr0 | (1u << 2)); /* EM */
  v = PROBE_AT("fninit", : : "memory");
  write_cr0(cr0);
  expect("exc-nm-em", v, 7, ktest_last_fault.err, 0, ktest_last_fault.eip, at);
  write_cr0((cr0 & ~(1u << 2)) | CR0_TS);
  v = PROBE_AT("fninit", : : "memory");
  expect("exc-nm-ts", v, 7, ktest_last_fault.err, 0, ktest_last_fault.eip, at);
  write_cr0((cr0 & ~(1u << 2)) | CR0_TS | (1u << 1)); /* MP */
  v = PROBE_AT("fwait", : : "memory");
  write_cr0(cr0);
  expect("exc-nm-wait", v, 7, ktest_last_fault.err, 0, ktest_last_fault.eip, at);

  /* Segments: #NP for a data segment that is not present, #SS for SS, #GP beyond a limit and
     through a null selector. */
  kgdt_set(SEL_NP_DATA >> 3, 0, 0xfffff, KD_DATA & 0x7f, 0xc);
  kgdt_set(SEL_SMALL_DATA >> 3, 0, 0xfff, KD_DATA, 0x4);
  v = PROBE_AT("movw %w2, %%es", : "r"(SEL_NP_DATA) : "memory");
  expect("exc-np-segment", v, 11, ktest_last_fault.err, SEL_NP_DATA, ktest_last_fault.eip, at);
  v = PROBE_AT("movw %w2, %%ss", : "r"(SEL_NP_DATA) : "memory");
  expect("exc-ss-segment", v, 12, ktest_last_fault.err, SEL_NP_DATA, ktest_last_fault.eip, at);
  v = PROBE_AT("movw %w2, %%es\n\tmovl %%es:0xffe, %%eax", : "r"(SEL_SMALL_DATA) : "eax", "memory");
  expect("exc-gp-limit", v, 13, ktest_last_fault.err, 0, ktest_last_fault.eip, at + 2);
  v = PROBE_AT("movw %w2, %%es\n\tmovl %%es:0, %%eax", : "r"(0) : "eax", "memory");
  expect("exc-gp-null", v, 13, ktest_last_fault.err, 0, ktest_last_fault.eip, at + 2);
  __asm__ volatile("movw %w0, %%es" : : "r"(KSEL_KDATA));

  /* #TS: a task switch to a TSS whose limit is below 0x67. */
  kgdt_set(SEL_SHORT_TSS >> 3, (uint32_t)&short_tss, 0x20, KD_TSS, 0);
  v = PROBE_AT("ljmp $0x40, $0", : : "memory");
  expect("exc-ts-short-tss", v, 10, ktest_last_fault.err, SEL_SHORT_TSS, ktest_last_fault.eip, at);

  /* Gates: IF in the handler, a gate that is not present, a vector beyond the IDT limit. */
  ktrap_set(0x60, on_gate);
  ktrap_set(0x61, on_gate);
  kidt_stub(0x60, KG_TRAP);
  kidt_stub(0x61, KG_INT);
  __asm__ volatile("sti\n\tint $0x60\n\tcli" ::: "memory");
  uint32_t trap_if = gate_eflags & EFL_IF;
  __asm__ volatile("sti\n\tint $0x61\n\tcli" ::: "memory");
  uint32_t int_if = gate_eflags & EFL_IF;
  ktest_check("exc-trap-vs-interrupt-gate", trap_if && !int_if, "IF %#x in a trap gate, %#x in an interrupt gate",
              trap_if, int_if);
  kidt_put(0x90, kidt_get(0x90) & ~(1ull << 47));
  v = PROBE_AT("int $0x90", : : "memory");
  expect("exc-np-gate", v, 11, ktest_last_fault.err, 0x90 * 8 + 2, ktest_last_fault.eip, at);
  kidt_stub(0x90, KG_INT);
  struct __attribute__((packed)) {
    uint16_t limit;
    uint32_t base;
  } idtr, small;
  __asm__ volatile("sidt %0" : "=m"(idtr));
  small.base = idtr.base;
  small.limit = 0x40 * 8 - 1;
  __asm__ volatile("lidt %0" : : "m"(small));
  v = PROBE_AT("int $0x50", : : "memory");
  __asm__ volatile("lidt %0" : : "m"(idtr));
  expect("exc-gp-idt-limit", v, 13, ktest_last_fault.err, 0x50 * 8 + 2, ktest_last_fault.eip, at);

  /* #DF: a #GP whose own gate is not present (#NP), two contributory faults. */
  uint64_t gp_gate = kidt_get(13);
  kidt_put(13, gp_gate & ~(1ull << 47));
  v = KTEST_PROBE("movw %w0, %%es", : : "r"(0xfff8) : "memory");
  kidt_put(13, gp_gate);
  __asm__ volatile("movw %w0, %%es" : : "r"(KSEL_KDATA));
  ktest_check("exc-df", v == 8 && ktest_last_fault.err == 0, "vector %d error %#x", v, ktest_last_fault.err);

  test_ext();

  /* #AC: CR0.AM and EFLAGS.AC at CPL 3, a misaligned doubleword. */
  static uint32_t aligned[2];
  write_cr0(read_cr0() | (1u << 18));
  v = ktest_run_user(user_misaligned, aligned, 1u << 18);
  uint32_t ac_err = ktest_last_fault.err;
  int ok_without_ac = ktest_run_user(user_misaligned, aligned, 0);
  write_cr0(read_cr0() & ~(1u << 18));
  ktest_check("exc-ac", v == 17 && ac_err == 0 && ok_without_ac == -1,
              "vector %d error %#x with AC; %d without", v, ac_err, ok_without_ac);

  ktest_finish();
}
