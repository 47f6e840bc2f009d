/* Traps: exceptions and software interrupts bounced through the virtual trap table with
   Xen's frame (xen/arch-x86/xen-x86_32.h, the trap_info comment in xen/arch-x86/xen.h).

   - Forced-emulation CPUID works before any trap table exists (Xen's leaves, the PV policy),
     while a plain CPUID runs natively.
   - Each exception the kernel can raise in ring 1 arrives at its vector with the frame
     EIP / CS / EFLAGS and an error code exactly for the vectors that have one (8, 10-14,
     17): a wrong push would shift every field the handler reads.
   - #PF: error code and CR2 (vcpu_info.arch.cr2 and MOV from CR2).
   - The saved upcall mask in CS bits 16-23 and EFLAGS.IF mirroring it; the trap entry's
     flag bit 2 masking events in the handler; HYPERVISOR_iret restoring the mask from IF.
   - INT n: allowed at DPL >= CPL, otherwise #GP((n << 3) | 2) at the INT instruction, an
     unregistered vector too; INT3 / INT 3 / INTO always reach vectors 3 and 4.
   - Single-step #DB with DR6.BS. */
#include "traps_util.h"

#define EFL_TF 0x100u
#define EFL_OF 0x800u

static void forced_cpuid_before_traps(void) {
  struct regs4 x = cpuid_forced(0x40000000u, 0);
  ktest_check("cpuid-forced-signature",
              x.ebx == XEN_CPUID_SIGNATURE_EBX && x.ecx == XEN_CPUID_SIGNATURE_ECX && x.edx == XEN_CPUID_SIGNATURE_EDX,
              "leaf 0x40000000 = %08x %08x %08x, expected \"XenVMMXenVMM\"", x.ebx, x.ecx, x.edx);
  ktest_check("cpuid-forced-max-leaf", x.eax >= 0x40000002u && x.eax < 0x40000100u, "EAX = %#x", x.eax);
  struct regs4 ver = cpuid_forced(0x40000001u, 0);
  int hv = HYPERVISOR_xen_version(XENVER_version, 0);
  KCHECK_EQ("cpuid-forced-version", ver.eax, (uint32_t)hv);
  struct regs4 pages = cpuid_forced(0x40000002u, 0);
  ktest_check("cpuid-forced-hypercall-msr", pages.eax == 1 && pages.ebx == 0x40000000u,
              "leaf 0x40000002: %u pages, MSR base %#x", pages.eax, pages.ebx);
  struct regs4 f = cpuid_forced(1, 0), n = cpuid_native(1, 0);
  ktest_check("cpuid-forced-hypervisor-bit", (f.ecx >> 31) & 1, "leaf 1 ECX = %#x", f.ecx);
  ktest_check("cpuid-native-no-hypervisor-bit", !((n.ecx >> 31) & 1), "native leaf 1 ECX = %#x", n.ecx);
  /* VME (1), PSE (3), PGE (13), PSE-36 (17), APIC (9), MTRR (12) are hidden from PV guests. */
  uint32_t hidden = (1u << 1) | (1u << 3) | (1u << 9) | (1u << 12) | (1u << 13) | (1u << 17);
  ktest_check("cpuid-forced-hides-features", (f.edx & hidden) == 0 && (n.edx & (1u << 3)),
              "forced leaf 1 EDX = %#x, native %#x", f.edx, n.edx);
  /* MONITOR (3) and VMX (5) are never shown. */
  KCHECK_EQ("cpuid-forced-no-vmx-monitor", f.ecx & ((1u << 3) | (1u << 5)), 0);
  KCHECK_EQ("cpuid-forced-same-signature", f.eax, n.eax);
  struct regs4 nx = cpuid_native(0x40000000u, 0);
  ktest_check("cpuid-native-no-xen-leaves", nx.ebx != XEN_CPUID_SIGNATURE_EBX, "native leaf 0x40000000 EBX = %#x",
              nx.ebx);
  struct regs4 past = cpuid_forced(0x7fffffffu, 0);
  ktest_check("cpuid-forced-past-max-zero", (past.eax | past.ebx | past.ecx | past.edx) == 0,
              "leaf 0x7fffffff = %x %x %x %x", past.eax, past.ebx, past.ecx, past.edx);
}

/* An exception in ring 1: vector, error code, EIP at the instruction, ring-1 CS. */
static void expect_fault(const char* name, int vec, uint32_t err) {
  int ok = cap.hits == 1 && cap.vec == (uint32_t)vec && cap.err == err && cap.eip == cap_before &&
           (cap.cs & 0xffff) == FLAT_KERNEL_CS;
  ktest_check(name, ok, "hits %d vector %u error %#x eip %#x (insn at %#x) cs %#x", cap.hits, cap.vec, cap.err,
              cap.eip, cap_before, cap.cs);
}

/* A trap: EIP after the instruction. */
static void expect_trap(const char* name, int vec) {
  int ok = cap.hits == 1 && cap.vec == (uint32_t)vec && cap.eip == cap_after && cap.err == 0 &&
           (cap.cs & 0xffff) == FLAT_KERNEL_CS;
  ktest_check(name, ok, "hits %d vector %u error %#x eip %#x (after = %#x) cs %#x", cap.hits, cap.vec, cap.err,
              cap.eip, cap_after, cap.cs);
}

/* #DB from single-stepping: record, then clear TF so the iret does not step again. */
static void tf_clearing_handler(struct trap_frame* f) {
  cap_handler(f);
  f->eflags &= ~EFL_TF;
}

static volatile uint32_t zero = 0, bound_pair[2] = {10, 20};

static void exceptions(void) {
  for (int v = 0; v < 20; ++v) cap_route(v, v == 3 || v == 4 ? 3 : 0, 1);
  ktrap_set(1, tf_clearing_handler);

  CAPTURE("divl %0", : : "m"(zero), "a"(1), "d"(0));
  expect_fault("bounce-de", 0, 0);
  CAPTURE("ud2");
  expect_fault("bounce-ud", 6, 0);
  CAPTURE("int3");
  expect_trap("bounce-bp-int3", 3);
  CAPTURE("int $3");
  expect_trap("bounce-bp-int-3", 3);
  CAPTURE("movl $0x7fffffff, %%eax\n\taddl $1, %%eax\n\tinto", : : : "eax");
  ktest_check("bounce-of-into", cap.hits == 1 && cap.vec == 4 && cap.eip == cap_after, "hits %d vector %u eip %#x",
              cap.hits, cap.vec, cap.eip);
  CAPTURE("movl $30, %%eax\n\tboundl %%eax, %0", : : "m"(bound_pair) : "eax");
  ktest_check("bounce-br", cap.hits == 1 && cap.vec == 5 && cap.err == 0, "hits %d vector %u error %#x", cap.hits,
              cap.vec, cap.err);
  /* #GP with an error code: a null-descriptor selector of the guest's (empty) GDT. */
  CAPTURE("movl %%eax, %%fs", : : "a"(0x0008));
  expect_fault("bounce-gp-error-code", 13, 0x0008);
  __asm__ volatile("movl %0, %%fs" : : "r"(FLAT_KERNEL_DS));
  /* #PF: read and write of an unmapped page. */
  uint32_t cr2 = 0;
  CAPTURE("movl 0x1000, %%eax", : : : "eax");
  expect_fault("bounce-pf-read", 14, 0);
  __asm__ volatile("movl %%cr2, %0" : "=r"(cr2));
  KCHECK_EQ("pf-mov-from-cr2", cr2, 0x1000);
  if (pv_shared_info)
    KCHECK_EQ("pf-vcpu-info-cr2", pv_shared_info->vcpu_info[0].arch.cr2, 0x1000);
  else
    ktest_skip("pf-vcpu-info-cr2", "shared_info is not mapped (update_va_mapping answered %d)", pv_shared_info_error);
  CAPTURE("movl %%eax, 0x2004", : : "a"(0));
  expect_fault("bounce-pf-write", 14, 2);
  __asm__ volatile("movl %%cr2, %0" : "=r"(cr2));
  KCHECK_EQ("pf-write-cr2", cr2, 0x2004);
  /* A page-protection fault: a write to a read-only page table (P | W). */
  CAPTURE("movl %%eax, (%0)", : : "r"(pv_start_info->pt_base), "a"(0));
  expect_fault("bounce-pf-protection", 14, 3);
  /* Single step: TF set by POPF traps after the next instruction. */
  CAPTURE("pushfl\n\torl $0x100, (%%esp)\n\tpopfl\n\tnop", : : : "cc");
  ktest_check("bounce-db-single-step", cap.hits == 1 && cap.vec == 1 && cap.eip == cap_after,
              "hits %d vector %u eip %#x (after %#x)", cap.hits, cap.vec, cap.eip, cap_after);
  ktest_check("db-frame-tf", cap.eflags & EFL_TF, "EFLAGS in the frame %#x", cap.eflags);
  ktest_check("db-handler-tf-clear", !(read_eflags() & EFL_TF), "EFLAGS %#x", read_eflags());
  uint32_t dr6 = (uint32_t)HYPERVISOR_get_debugreg(6);
  ktest_check("db-dr6-bs", dr6 & (1u << 14), "DR6 = %#x", dr6);
}

static void int_n(void) {
  cap_route(0x40, 1, 0);
  cap_route(0x41, 0, 0);
  cap_route(0x43, 3, 0);
  CAPTURE("int $0x40");
  expect_trap("int-dpl1-from-ring1", 0x40);
  CAPTURE("int $0x43");
  expect_trap("int-dpl3-from-ring1", 0x43);
  CAPTURE("int $0x41");
  expect_fault("int-dpl0-gp", 13, (0x41 << 3) | 2);
  CAPTURE("int $0x42");
  expect_fault("int-unregistered-gp", 13, (0x42 << 3) | 2);
  /* A vector above 31 may use a vector number of the exception range too. */
  CAPTURE("int $0x0d");
  expect_fault("int-13-dpl0-gp", 13, (0x0d << 3) | 2);
}

/* The upcall mask: saved in CS bits 16-23, mirrored by the frame's IF, set by the entry's
   flag, restored by iret. CLI / STI (emulated at virtual IOPL 1) set it. */
static void event_mask(void) {
  cap_route(0x44, 1, 0); /* events left as they are */
  cap_route(0x45, 1, 1); /* events masked */
  int rc = set_iopl(1);
  KCHECK_EQ("mask-set-iopl", rc, 0);
  __asm__ volatile("sti");
  CAPTURE("int $0x45");
  ktest_check("mask-saved-in-cs", (cap.cs >> 16) == 0 && (cap.eflags & EFL_IF),
              "unmasked: CS word %#x, EFLAGS %#x (want saved mask 0, IF 1)", cap.cs, cap.eflags);
  if (cap.mask >= 0) KCHECK_EQ("mask-flag-masks", cap.mask, 1);
  /* iret with IF=1 unmasked again: the next trap saves mask 0. */
  CAPTURE("int $0x44");
  ktest_check("mask-iret-restores-unmasked", (cap.cs >> 16) == 0 && (cap.eflags & EFL_IF), "CS word %#x, EFLAGS %#x",
              cap.cs, cap.eflags);
  if (cap.mask >= 0) KCHECK_EQ("mask-no-flag-keeps", cap.mask, 0);
  __asm__ volatile("cli");
  CAPTURE("int $0x44");
  ktest_check("mask-saved-masked", (cap.cs >> 16) == 1 && !(cap.eflags & EFL_IF), "masked: CS word %#x, EFLAGS %#x",
              cap.cs, cap.eflags);
  /* iret with IF=0 keeps events masked. */
  CAPTURE("int $0x44");
  KCHECK_EQ("mask-iret-restores-masked", cap.cs >> 16, 1);
  if (upcall_mask() >= 0) KCHECK_EQ("mask-after-cli", upcall_mask(), 1);
  ktest_check("pushf-shows-if", (read_eflags() & EFL_IF) && (read_eflags() & EFL_IOPL3) == 0,
              "EFLAGS %#x with events masked: IF 1, IOPL 0 expected", read_eflags());
  /* POPF cannot clear the real IF in ring 1 (IOPL 0): no fault, IF stays. */
  __asm__ volatile("pushfl\n\tandl $~0x200, (%%esp)\n\tpopfl" : : : "cc");
  ktest_check("popf-keeps-if", read_eflags() & EFL_IF, "EFLAGS %#x", read_eflags());
  set_iopl(0);
}

int main(void) {
  forced_cpuid_before_traps();
  KCHECK_EQ("set-trap-table", pv_traps_init(), 0);
  exceptions();
  int_n();
  event_mask();
  ktest_finish();
}
