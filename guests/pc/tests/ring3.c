/* Ring 3: entering CPL 3 with IRET, system calls through a DPL 3 interrupt gate and through a
   call gate (with parameters copied to the ring 0 stack), the stack switch to TSS.ESP0, and the
   protection checks: CLI/STI/HLT/IN/OUT without IOPL, the TSS I/O bitmap, privileged
   instructions, DPL checks on segment loads, gates and far jumps, POPF at CPL 3, and IRET
   nulling data segments that an outer ring may not hold. */
#include "ktest.h"

#define VEC_SYSCALL 0x80
#define VEC_KERNEL_ONLY 0x82
#define SEL_CALLGATE 0x30   /* DPL 3 call gate to ring 0, 2 parameters */
#define SEL_CALLGATE0 0x38  /* DPL 0 call gate */

/* ---- system call through an interrupt gate ---- */
static volatile struct trap_frame sys_frame;
static volatile uint32_t sys_frame_addr, sys_null_ds;

static void on_syscall(struct trap_frame* f) {
  sys_frame = *f;
  sys_frame_addr = (uint32_t)f;
  f->eax = f->ebx * 2 + f->ecx;
  if (f->eax == 0xdead) f->ds = KSEL_KDATA; /* IRET must not leave a DPL 0 segment in DS */
}

static int user_cpl(void* arg) {
  (void)arg;
  return read_cs() & 3;
}

static int user_syscall(void* arg) {
  int r;
  __asm__ volatile("int $0x80" : "=a"(r) : "b"((uint32_t)arg), "c"(7) : "memory");
  return r;
}

/* The handler asks for DS = kernel data on the way out; read DS, then repair it. */
static int user_syscall_ds(void* arg) {
  (void)arg;
  uint32_t ds;
  __asm__ volatile(
      "int $0x80\n\t"
      "movl %%ds, %%eax\n\t"
      "movw $0x23, %%cx\n\t"
      "movw %%cx, %%ds"
      : "=a"(ds)
      : "b"(0x6f53), "c"(7) /* the handler computes 2 * 0x6f53 + 7 = 0xdead */
      : "memory");
  return (int)(ds & 0xffff);
}

/* ---- call gate ---- */
volatile uint32_t gate_cs, gate_ss, gate_esp, gate_user_esp, gate_caller_cs;
void gate_target(void);
__asm__(".text\n"
        "gate_target:\n"
        "  movl 8(%esp), %eax\n"   /* the parameter pushed last */
        "  subl 12(%esp), %eax\n"  /* minus the one pushed first */
        "  movw %cs, gate_cs\n"
        "  movw %ss, gate_ss\n"
        "  movl %esp, gate_esp\n"
        "  movl 16(%esp), %ecx\n"
        "  movl %ecx, gate_user_esp\n"
        "  movl 4(%esp), %ecx\n"
        "  movl %ecx, gate_caller_cs\n"
        "  lret $8\n");

static int user_callgate(void* arg) {
  (void)arg;
  int r;
  uint32_t before, after;
  __asm__ volatile(
      "movl %%esp, %1\n\t"
      "pushl $100\n\t"
      "pushl $142\n\t"
      "lcall $0x33, $0\n\t"
      "movl %%esp, %2"
      : "=a"(r), "=&r"(before), "=r"(after)
      :
      : "ecx", "memory");
  return before == after ? r : -1000;
}

/* ---- faults at CPL 3 ---- */
#define USER_PROBE(fn_name, insn, ...)                                                          \
  static int fn_name(void* arg) {                                                                \
    (void)arg;                                                                                   \
    return KTEST_PROBE(insn, __VA_ARGS__);                                                       \
  }
USER_PROBE(u_cli, "cli", : : : "memory")
USER_PROBE(u_sti, "sti", : : : "memory")
USER_PROBE(u_hlt, "hlt", : : : "memory")
USER_PROBE(u_in, "inb $0x71, %%al", : : : "eax", "memory")
USER_PROBE(u_out80, "outb %%al, $0x80", : : : "memory")
USER_PROBE(u_out81, "outb %%al, $0x81", : : : "memory")
USER_PROBE(u_int82, "int $0x82", : : : "memory")
USER_PROBE(u_mov_cr0, "movl %%cr0, %%eax", : : : "eax", "memory")
USER_PROBE(u_lidt, "lidt (%%esp)", : : : "memory")
USER_PROBE(u_wrmsr, "xorl %%eax, %%eax\n\txorl %%edx, %%edx\n\tmovl $0x10, %%ecx\n\twrmsr", : : : "eax", "ecx", "edx", "memory")
USER_PROBE(u_load_kdata, "movw $0x10, %%ax\n\tmovw %%ax, %%es\n\tmovw $0x23, %%ax\n\tmovw %%ax, %%es", : : : "eax", "memory")
USER_PROBE(u_load_kss, "movw $0x10, %%ax\n\tmovw %%ax, %%ss", : : : "eax", "memory")
USER_PROBE(u_jmp_kcode, "ljmp $0x08, $0", : : : "memory")
USER_PROBE(u_callgate0, "lcall $0x3b, $0", : : : "memory")

/* POPF at CPL 3 with IOPL 0: IF and IOPL do not change, and nothing faults. */
static int u_popf(void* arg) {
  (void)arg;
  uint32_t after;
  __asm__ volatile(
      "pushfl\n\t"
      "pushl $0x3202\n\t" /* IF=1, IOPL=3 */
      "popfl\n\t"
      "pushfl\n\t"
      "popl %0\n\t"
      "popfl"
      : "=r"(after)
      :
      : "memory", "cc");
  return (int)after;
}

/* ktest's ring 0 stack is the 16 KiB below ESP0. */
static int in_ring0_stack(uint32_t esp) { return esp > ktest_tss.esp0 - 16384 && esp <= ktest_tss.esp0; }

static void expect_gp(const char* name, int (*fn)(void*), uint32_t eflags, uint32_t err) {
  int v = ktest_run_user(fn, 0, eflags);
  ktest_check(name, v == 13 && ktest_last_fault.err == err && (ktest_last_fault.cs & 3) == 3,
              "vector %d error %#x CS %#x; expected #GP(%#x) at CPL 3", v, ktest_last_fault.err,
              ktest_last_fault.cs, err);
}

static void expect_ok(const char* name, int (*fn)(void*), uint32_t eflags) {
  int v = ktest_run_user(fn, 0, eflags);
  ktest_check(name, v == -1, "vector %d error %#x", v, ktest_last_fault.err);
}

int main(uint32_t magic, uint32_t info) {
  ktest_init(magic, info);
  kpic_remap(0x20, 0x28); /* everything masked */

  int cpl = ktest_run_user(user_cpl, 0, 0);
  ktest_check("ring3-enter-iret", cpl == 3, "CPL %d", cpl);

  kidt_stub(VEC_SYSCALL, KG_INT | KD_DPL(3));
  ktrap_set(VEC_SYSCALL, on_syscall);
  int r = ktest_run_user(user_syscall, (void*)1000, 0);
  ktest_check("ring3-syscall-int-gate", r == 2007, "result %d, expected 2007", r);
  ktest_check("ring3-syscall-frame", (sys_frame.cs & 0xffff) == KSEL_UCODE && (sys_frame.ss & 0xffff) == KSEL_UDATA &&
                                         (sys_frame.ds & 0xffff) == KSEL_UDATA,
              "CS %#x SS %#x DS %#x", sys_frame.cs & 0xffff, sys_frame.ss & 0xffff, sys_frame.ds & 0xffff);
  uint32_t top = ktest_tss.esp0;
  ktest_check("ring3-stack-switch", sys_frame_addr < top && sys_frame_addr > top - 1024 &&
                                        !in_ring0_stack(sys_frame.esp),
              "frame at %#x, ESP0 %#x, user ESP %#x", sys_frame_addr, top, sys_frame.esp);
  int ds = ktest_run_user(user_syscall_ds, 0, 0);
  ktest_check("ring3-iret-nulls-ds", ds == 0, "DS %#x after IRET to CPL 3 with a DPL 0 DS", ds);

  kgdt_gate(SEL_CALLGATE >> 3, KSEL_KCODE, (uint32_t)gate_target, KG_CALL | KD_DPL(3), 2);
  kgdt_gate(SEL_CALLGATE0 >> 3, KSEL_KCODE, (uint32_t)gate_target, KG_CALL, 2);
  r = ktest_run_user(user_callgate, 0, 0);
  ktest_check("ring3-call-gate", r == 42 && (gate_cs & 0xffff) == KSEL_KCODE && (gate_ss & 0xffff) == KSEL_KDATA &&
                                     (gate_caller_cs & 0xffff) == KSEL_UCODE,
              "result %d, CS %#x SS %#x in the gate, caller CS %#x", r, gate_cs & 0xffff, gate_ss & 0xffff,
              gate_caller_cs & 0xffff);
  ktest_check("ring3-call-gate-stack", gate_esp == top - 24 && !in_ring0_stack(gate_user_esp),
              "ring 0 ESP %#x (ESP0 %#x), user ESP %#x", gate_esp, top, gate_user_esp);
  expect_gp("ring3-call-gate-dpl0", u_callgate0, 0, SEL_CALLGATE0);
  expect_gp("ring3-int-gate-dpl0", u_int82, 0, VEC_KERNEL_ONLY * 8 + 2);

  expect_gp("ring3-cli-gp", u_cli, 0, 0);
  expect_gp("ring3-sti-gp", u_sti, 0, 0);
  expect_gp("ring3-hlt-gp", u_hlt, 0, 0);
  expect_gp("ring3-in-gp", u_in, 0, 0);
  expect_ok("ring3-cli-iopl3", u_cli, EFL_IOPL3);
  ktss_allow_port(0x80, 1);
  expect_ok("ring3-io-bitmap-allowed", u_out80, 0);
  expect_gp("ring3-io-bitmap-denied", u_out81, 0, 0);
  ktss_allow_port(0x80, 0);
  expect_gp("ring3-io-bitmap-revoked", u_out80, 0, 0);

  expect_gp("ring3-mov-cr0-gp", u_mov_cr0, 0, 0);
  expect_gp("ring3-lidt-gp", u_lidt, 0, 0);
  expect_gp("ring3-wrmsr-gp", u_wrmsr, 0, 0);
  expect_gp("ring3-load-dpl0-data", u_load_kdata, 0, KSEL_KDATA);
  expect_gp("ring3-load-dpl0-ss", u_load_kss, 0, KSEL_KDATA);
  expect_gp("ring3-jmp-ring0-code", u_jmp_kcode, 0, KSEL_KCODE);

  uint32_t fl = (uint32_t)ktest_run_user(u_popf, 0, 0);
  ktest_check("ring3-popf-iopl-if", (fl & (EFL_IF | EFL_IOPL3)) == 0, "EFLAGS %#x after POPF of 0x3202", fl);
  ktest_finish();
}
