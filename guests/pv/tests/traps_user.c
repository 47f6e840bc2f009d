/* Ring 3 under a PV kernel, and multicall.
   - A ring-3 program makes a system call through the trap table (int $0x80, a DPL-3 entry):
     the frame lands on the kernel stack given to stack_switch with the user's SS:ESP above
     EFLAGS, CS, EIP; the kernel answers and returns to ring 3 with HYPERVISOR_iret.
   - From ring 3: int $0x82 (the hypercall gate is DPL 1) and INT to a DPL-1 entry are
     #GP((n << 3) | 2); CLI, HLT, IN at virtual IOPL 0 are #GP(0); IN at virtual IOPL 3
     reads all ones; INT3 reaches vector 3; a kernel page is #PF with the user bit;
     forced-emulation CPUID works; RDTSC with CR4.TSD is #GP; SYSENTER reaches the
     sysenter callback with Xen's frame (EIP and ESP 0).
   - multicall: results written back per entry, refusals inside, a nested multicall refused,
     and an iret entry ending the batch where the iret leads. */
#include "traps_util.h"

#define SYSENTER_VEC 0xf0

static volatile uint32_t sys_calls;

/* int $0x80 from ring 3: EAX 0 exits the run with EBX; EAX 1 answers EBX + 1. */
static void sys_handler(struct trap_frame* f) {
  ++sys_calls;
  cap.hits++;
  cap.vec = f->vec;
  cap.eip = f->eip;
  cap.cs = f->cs;
  cap.eflags = f->eflags;
  cap.esp = f->esp;
  cap.ss = f->ss;
  if (f->eax == 0) user_exit(f->ebx);
  f->eax = f->ebx + 1;
}

static void sysenter_handler(struct trap_frame* f) {
  cap.hits++;
  cap.vec = f->vec;
  cap.eip = f->eip;
  cap.cs = f->cs;
  cap.esp = f->esp;
  cap.ss = f->ss;
  cap.eax = f->ecx; /* the user's ECX / EDX arrive untouched */
  cap.ebx = f->edx;
  user_exit(0x5e);
}

static void user_fault(const char* name, uint32_t op, uint32_t arg, int vec, uint32_t err) {
  cap.hits = 0;
  uint32_t r = run_user(op, arg);
  int ok = r == (0xdead0000u | (uint32_t)vec) && cap.vec == (uint32_t)vec && cap.err == err && (cap.cs & 3) == 3 &&
           (cap.ss & 0xffff) == USER_DS && cap.esp != 0;
  ktest_check(name, ok, "run_user = %#x, vector %u error %#x cs %#x ss %#x esp %#x", r, cap.vec, cap.err, cap.cs,
              cap.ss, cap.esp);
}

static void ring3(void) {
  int rc = user_pages_init();
  if (rc) {
    ktest_skip("ring3", "the user pages could not be mapped (error %d): no ring-3 tests", rc);
    return;
  }
  ktrap_set(0x80, sys_handler);
  KCHECK_EQ("syscall-route-dpl3", pv_trap_route(0x80, 3, 0), 0);
  cap_route(0x40, 1, 0);
  for (int v = 0; v < 20; ++v) cap_route(v, v == 3 || v == 4 ? 3 : 0, 1);

  sys_calls = 0;
  uint32_t r = run_user(0, 41);
  ktest_check("syscall-roundtrip", r == 42 && sys_calls == 2, "run_user = %u after %u system calls, expected 42 after 2",
              r, sys_calls);
  ktest_check("syscall-frame", (cap.cs & 0xffff) == USER_CS && (cap.ss & 0xffff) == USER_DS && (cap.eflags & EFL_IF),
              "CS %#x SS %#x EFLAGS %#x", cap.cs, cap.ss, cap.eflags);
  user_fault("ring3-int82-gp", 1, 0, 13, (0x82 << 3) | 2);
  user_fault("ring3-cli-gp", 2, 0, 13, 0);
  user_fault("ring3-int-dpl1-gp", 3, 0, 13, (0x40 << 3) | 2);
  user_fault("ring3-in-iopl0-gp", 4, 0, 13, 0);
  KCHECK_EQ("ring3-set-iopl-3", set_iopl(3), 0);
  KCHECK_EQ("ring3-in-iopl3", run_user(4, 0), 0xff);
  set_iopl(0);
  user_fault("ring3-int3", 7, 0, 3, 0);
  user_fault("ring3-hlt-gp", 10, 0, 13, 0);
  user_fault("ring3-kernel-page-pf", 8, (uint32_t)(uintptr_t)pv_start_info, 14, 5);
  KCHECK_EQ("ring3-forced-cpuid", run_user(9, 0), XEN_CPUID_SIGNATURE_EBX);
  uint32_t cr4;
  __asm__ volatile("movl %%cr4, %0" : "=r"(cr4));
  __asm__ volatile("movl %0, %%cr4" : : "r"(cr4 | 4));
  user_fault("ring3-rdtsc-tsd-gp", 5, 0, 13, 0);
  __asm__ volatile("movl %0, %%cr4" : : "r"(cr4));
  KCHECK_EQ("ring3-rdtsc-no-tsd", run_user(5, 0), 5);

  /* SYSENTER: without a callback #GP(0); with one, Xen's frame. */
  user_fault("ring3-sysenter-no-callback-gp", 6, 0, 13, 0);
  ktrap_set(SYSENTER_VEC, sysenter_handler);
  struct callback_register cb = {CALLBACKTYPE_sysenter, CALLBACKF_mask_events, {FLAT_KERNEL_CS, ktrap_stub(SYSENTER_VEC)}};
  KCHECK_EQ("sysenter-register", HYPERVISOR_callback_op(CALLBACKOP_register, &cb), 0);
  cap.hits = 0;
  r = run_user(6, 0);
  ktest_check("sysenter-callback", r == 0x5e && cap.eip == 0 && cap.esp == 0 && (cap.cs & 0xffff) == USER_CS &&
                                       (cap.ss & 0xffff) == USER_DS && cap.eax == 0x1234 && cap.ebx == 0x5678,
              "run_user %#x, frame eip %#x esp %#x cs %#x ss %#x ecx %#x edx %#x", r, cap.eip, cap.esp, cap.cs, cap.ss,
              cap.eax, cap.ebx);
  if (upcall_mask() >= 0) KCHECK_EQ("sysenter-masks-events", upcall_mask(), 1);
}

/* ---- multicall ---- */
static multicall_entry_t calls[4];
static volatile uint32_t iret_frame[4], mc_eax, mc_esp;

static void set_call(int i, unsigned op, uint32_t a0, uint32_t a1) {
  calls[i].op = op;
  calls[i].result = 0x5a5a5a5a;
  calls[i].args[0] = a0;
  calls[i].args[1] = a1;
}

static void multicall(void) {
  set_call(0, __HYPERVISOR_xen_version, XENVER_version, 0);
  set_call(1, __HYPERVISOR_fpu_taskswitch, 1, 0);
  set_call(2, __HYPERVISOR_set_debugreg, 7, 0x2000); /* GD: refused */
  set_call(3, 60, 0, 0);                             /* no such hypercall */
  int rc = HYPERVISOR_multicall(calls, 4);
  KCHECK_EQ("multicall-rc", rc, 0);
  KCHECK_EQ("multicall-result-version", calls[0].result, (uint32_t)HYPERVISOR_xen_version(XENVER_version, 0));
  KCHECK_EQ("multicall-result-ok", calls[1].result, 0);
  uint32_t cr0;
  __asm__ volatile("movl %%cr0, %0" : "=r"(cr0));
  ktest_check("multicall-entry-ran", cr0 & 8, "CR0 = %#x after fpu_taskswitch(1) in a multicall", cr0);
  KCHECK_EQ("multicall-result-eperm", calls[2].result, (uint32_t)-XEN_EPERM);
  KCHECK_EQ("multicall-result-enosys", calls[3].result, (uint32_t)-XEN_ENOSYS);
  /* Nested: refused as that entry's result, the rest runs. */
  static multicall_entry_t inner[1];
  inner[0].op = __HYPERVISOR_fpu_taskswitch;
  inner[0].args[0] = 0;
  set_call(0, __HYPERVISOR_multicall, (uint32_t)(uintptr_t)inner, 1);
  set_call(1, __HYPERVISOR_fpu_taskswitch, 0, 0);
  rc = HYPERVISOR_multicall(calls, 2);
  ktest_check("multicall-nested-refused", rc == 0 && calls[0].result == (uint32_t)-XEN_EINVAL && calls[1].result == 0,
              "rc %d, results %d %d", rc, (int)calls[0].result, (int)calls[1].result);
  /* Bad list: -EFAULT. */
  KCHECK_EQ("multicall-bad-list", HYPERVISOR_multicall((multicall_entry_t*)0x1000, 1), -XEN_EFAULT);
  /* An iret entry: the batch stops there and the guest continues where the iret frame
     (at ESP when the multicall is made) says, with its EAX. */
  set_call(0, __HYPERVISOR_fpu_taskswitch, 1, 0);
  set_call(1, __HYPERVISOR_iret, 0, 0);
  set_call(2, __HYPERVISOR_fpu_taskswitch, 0, 0);
  iret_frame[0] = 0x600d1e7;
  iret_frame[2] = FLAT_KERNEL_CS;
  iret_frame[3] = 0x202;
  __asm__ volatile(
      "movl $1f, iret_frame + 4\n\t"
      "pushl %%ebp\n\t"
      "movl %%esp, mc_esp\n\t"
      "movl $iret_frame, %%esp\n\t"
      "movl $13, %%eax\n\t"
      "movl $calls, %%ebx\n\t"
      "movl $3, %%ecx\n\t"
      "int $0x82\n\t"
      "movl $0xbad, %%eax\n"
      "1:\n\t"
      "movl %%eax, mc_eax\n\t"
      "movl mc_esp, %%esp\n\t"
      "popl %%ebp"
      :
      :
      : "eax", "ebx", "ecx", "edx", "esi", "edi", "memory", "cc");
  KCHECK_EQ("multicall-iret-eax", mc_eax, 0x600d1e7);
  ktest_check("multicall-stops-at-iret", calls[0].result == 0 && calls[2].result == 0x5a5a5a5a,
              "results %#x %#x %#x", (uint32_t)calls[0].result, (uint32_t)calls[1].result, (uint32_t)calls[2].result);
  __asm__ volatile("movl %%cr0, %0" : "=r"(cr0));
  ktest_check("multicall-after-iret-not-run", cr0 & 8, "CR0 = %#x: the entry after the iret ran", cr0);
  HYPERVISOR_fpu_taskswitch(0);
}

int main(void) {
  KCHECK_EQ("set-trap-table", pv_traps_init(), 0);
  ring3();
  multicall();
  ktest_finish();
}
