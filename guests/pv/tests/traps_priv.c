/* Privileged instructions in ring 1, emulated as Xen does for a PV kernel (the kernel runs
   at CPL 1 with IOPL 0, so each of these faults on the processor):
   - control registers: CR0 (TS only, through CLTS, MOV and fpu_taskswitch; any other change
     is #GP), CR2, CR3 as xen_pfn_to_cr3 of the L3's frame, CR4 (PAE shown, PSE hidden, TSD
     and DE the guest's);
   - debug registers through MOV with set_debugreg's rules, a data breakpoint that fires;
   - RDMSR / WRMSR under the PV policy;
   - CLI / STI / IN / OUT / INS / OUTS under the virtual IOPL (no devices: reads all ones);
   - fpu_taskswitch and #NM (which clears the virtual TS);
   - HLT is #GP, as in Xen (a PV kernel idles with SCHEDOP_block); STI with an event
     pending takes the upcall at once;
   - WBINVD accepted; LGDT, LIDT, LTR, INVLPG, MOV to CR1 refused. */
#include "events_lib.h"
#include "traps_util.h"

/* CR0_*, CR4_* and read_cr0 / read_cr4 come from kcpu.h. */
#define CR4_TSD (1u << 2)
#define CR4_DE (1u << 3)

/* A #GP(0) at the instruction, nothing else. */
static void expect_gp0(const char* name) {
  ktest_check(name, cap.hits == 1 && cap.vec == 13 && cap.err == 0 && cap.eip == cap_before,
              "hits %d vector %u error %#x eip %#x (insn at %#x)", cap.hits, cap.vec, cap.err, cap.eip, cap_before);
}
static void expect_none(const char* name) { ktest_check(name, cap.hits == 0, "trapped: vector %u error %#x", cap.vec, cap.err); }

static void control_registers(void) {
  uint32_t cr0 = read_cr0();
  ktest_check("cr0-read", (cr0 & CR0_PE) && (cr0 & CR0_PG) && !(cr0 & CR0_TS), "CR0 = %#x", cr0);
  HYPERVISOR_fpu_taskswitch(1);
  ktest_check("cr0-fpu-taskswitch-ts", read_cr0() & CR0_TS, "CR0 = %#x after fpu_taskswitch(1)", read_cr0());
  __asm__ volatile("clts");
  KCHECK_EQ("cr0-clts", read_cr0() & CR0_TS, 0);
  CAPTURE("movl %%cr0, %%eax\n\torl $8, %%eax\n\tmovl %%eax, %%cr0", : : : "eax");
  expect_none("cr0-mov-ts-emulated");
  ktest_check("cr0-mov-sets-ts", read_cr0() & CR0_TS, "CR0 = %#x", read_cr0());
  CAPTURE("lmsw %%ax", : : "a"(read_cr0() & ~CR0_TS & 0xffff));
  expect_none("cr0-lmsw-ts-emulated");
  KCHECK_EQ("cr0-lmsw-clears-ts", read_cr0() & CR0_TS, 0);
  CAPTURE("movl %%eax, %%cr0", : : "a"(read_cr0() & ~CR0_PG));
  expect_gp0("cr0-clear-pg-gp");
  CAPTURE("movl %%eax, %%cr0", : : "a"(read_cr0() | 0x40000000u)); /* CD */
  expect_gp0("cr0-set-cd-gp");
  ktest_check("cr0-unchanged", read_cr0() == cr0, "CR0 = %#x, was %#x", read_cr0(), cr0);

  uint32_t cr2 = 0xabc000u;
  __asm__ volatile("movl %0, %%cr2\n\tmovl %%cr2, %0" : "+r"(cr2));
  KCHECK_EQ("cr2-write-read", cr2, 0xabc000);
  if (pv_shared_info) KCHECK_EQ("cr2-write-vcpu-info", pv_shared_info->vcpu_info[0].arch.cr2, 0xabc000);

  uint32_t cr3;
  __asm__ volatile("movl %%cr3, %0" : "=r"(cr3));
  uint32_t l3_mfn = pv_pfn_to_mfn(pv_va_to_pfn((void*)pv_start_info->pt_base));
  KCHECK_EQ("cr3-read-xen-pfn-to-cr3", cr3, (l3_mfn << 12) | (l3_mfn >> 20));
  CAPTURE("movl %%eax, %%cr3", : : "a"(cr3));
  expect_none("cr3-write-same-base");

  uint32_t cr4 = read_cr4();
  ktest_check("cr4-read", (cr4 & CR4_PAE) && !(cr4 & CR4_PSE) && !(cr4 & (CR4_TSD | CR4_DE)), "CR4 = %#x", cr4);
  CAPTURE("movl %%eax, %%cr4", : : "a"(cr4 | CR4_TSD | CR4_DE | 0x2000 /* VMXE */));
  expect_none("cr4-write-emulated");
  ktest_check("cr4-guest-bits", read_cr4() == (cr4 | CR4_TSD | CR4_DE), "CR4 = %#x, expected %#x", read_cr4(),
              cr4 | CR4_TSD | CR4_DE);
  /* CR4.TSD: RDTSC in ring 1 is emulated. */
  uint32_t lo1, hi1, lo2, hi2;
  cap.hits = 0;
  __asm__ volatile("rdtsc" : "=a"(lo1), "=d"(hi1));
  __asm__ volatile("rdtsc" : "=a"(lo2), "=d"(hi2));
  ktest_check("cr4-tsd-rdtsc-emulated", cap.hits == 0 && ((uint64_t)hi2 << 32 | lo2) > ((uint64_t)hi1 << 32 | lo1),
              "hits %d, TSC %#x%08x then %#x%08x", cap.hits, hi1, lo1, hi2, lo2);
  /* CR4.DE: DR4 is #UD. */
  CAPTURE("movl %%dr4, %%eax", : : : "eax");
  ktest_check("cr4-de-dr4-ud", cap.hits == 1 && cap.vec == 6, "hits %d vector %u", cap.hits, cap.vec);
  __asm__ volatile("movl %0, %%cr4" : : "r"(cr4));
  KCHECK_EQ("cr4-restored", read_cr4(), cr4);
  CAPTURE("movl %%dr4, %%eax", : : : "eax"); /* without DE: DR6 */
  expect_none("dr4-aliases-dr6");

  CAPTURE("movl %%cr1, %%eax", : : : "eax");
  ktest_check("cr1-refused", cap.hits == 1 && (cap.vec == 13 || cap.vec == 6), "hits %d vector %u", cap.hits,
              cap.vec);
}

static volatile uint32_t watched;

static void debug_registers(void) {
  uint32_t v = 0;
  __asm__ volatile("movl %1, %%dr0\n\tmovl %%dr0, %0" : "=r"(v) : "r"(0xc0001234u));
  KCHECK_EQ("dr0-mov-write-read", v, 0xc0001234);
  KCHECK_EQ("dr0-get-debugreg", (uint32_t)HYPERVISOR_get_debugreg(0), 0xc0001234);
  CAPTURE("movl %%eax, %%dr1", : : "a"(0xF5800000u));
  expect_gp0("dr1-hypervisor-area-gp");
  CAPTURE("movl %%eax, %%dr7", : : "a"(0x2000u)); /* GD */
  expect_gp0("dr7-gd-gp");
  __asm__ volatile("movl %%dr7, %0" : "=r"(v));
  ktest_check("dr7-reads-fixed-bits", (v & 0xffffdfffu) == 0x400, "DR7 = %#x", v);
  /* A 4-byte write breakpoint on `watched` fires a #DB trap after the write. */
  __asm__ volatile("movl %0, %%dr0" : : "r"((uint32_t)(uintptr_t)&watched));
  __asm__ volatile("movl %0, %%dr7" : : "r"(0x000d0001u)); /* L0, RW=01 (write), LEN=11 (4) */
  CAPTURE("movl $7, %0", : "=m"(watched));
  ktest_check("dr-data-breakpoint", cap.hits == 1 && cap.vec == 1 && cap.eip == cap_after,
              "hits %d vector %u eip %#x (after %#x)", cap.hits, cap.vec, cap.eip, cap_after);
  uint32_t dr6 = (uint32_t)HYPERVISOR_get_debugreg(6);
  ktest_check("dr-data-breakpoint-dr6-b0", dr6 & 1, "DR6 = %#x", dr6);
  __asm__ volatile("movl %0, %%dr7" : : "r"(0u));
  CAPTURE("movl $8, %0", : "=m"(watched));
  expect_none("dr-breakpoint-disabled");
}

static void msrs(void) {
  uint32_t lo, hi;
  CAPTURE("rdmsr", : "=a"(lo), "=d"(hi) : "c"(0x10));
  expect_none("msr-read-tsc");
  CAPTURE("rdmsr", : "=a"(lo), "=d"(hi) : "c"(0xc0000080u));
  ktest_check("msr-read-efer-nx-only", cap.hits == 0 && lo == 0x800 && hi == 0, "hits %d EFER %#x:%#x", cap.hits, hi,
              lo);
  CAPTURE("wrmsr", : : "c"(0xc0000080u), "a"(0x800), "d"(0));
  expect_none("msr-write-efer-same");
  CAPTURE("wrmsr", : : "c"(0xc0000080u), "a"(0x901), "d"(0));
  expect_none("msr-write-efer-other-dropped");
  CAPTURE("rdmsr", : "=a"(lo), "=d"(hi) : "c"(0xc0000080u));
  KCHECK_EQ("msr-efer-unchanged", lo, 0x800);
  CAPTURE("rdmsr", : "=a"(lo), "=d"(hi) : "c"(0xc1));
  ktest_check("msr-pmu-reads-zero", cap.hits == 0 && lo == 0 && hi == 0, "hits %d value %#x:%#x", cap.hits, hi, lo);
  CAPTURE("rdmsr", : "=a"(lo), "=d"(hi) : "c"(0x1b));
  expect_gp0("msr-apic-base-gp");
  CAPTURE("wrmsr", : : "c"(0x174), "a"(0xe019), "d"(0));
  expect_gp0("msr-sysenter-cs-gp");
  CAPTURE("wrmsr", : : "c"(0x8b), "a"(0), "d"(0));
  expect_none("msr-bios-sign-zero");
  CAPTURE("wrmsr", : : "c"(0x8b), "a"(1), "d"(0));
  expect_gp0("msr-bios-sign-nonzero-gp");
  CAPTURE("rdmsr", : "=a"(lo), "=d"(hi) : "c"(0x12345678u));
  expect_gp0("msr-unknown-gp");
}

static uint8_t io_buf[8];

static void port_io(void) {
  uint32_t v = 0;
  CAPTURE("inb $0x60, %%al", : "=a"(v) : "a"(0));
  expect_gp0("io-in-without-iopl-gp");
  CAPTURE("cli");
  expect_gp0("cli-without-iopl-gp");
  KCHECK_EQ("io-set-iopl-1", set_iopl(1), 0);
  CAPTURE("inb $0x60, %%al", : "=a"(v) : "a"(0x12345600u));
  ktest_check("io-inb-all-ones", cap.hits == 0 && v == 0x123456ffu, "hits %d EAX %#x", cap.hits, v);
  CAPTURE("inw %%dx, %%ax", : "=a"(v) : "a"(0x12340000u), "d"(0x3f8));
  ktest_check("io-inw-dx-all-ones", cap.hits == 0 && v == 0x1234ffffu, "hits %d EAX %#x", cap.hits, v);
  CAPTURE("inl %%dx, %%eax", : "=a"(v) : "d"(0xcfc));
  ktest_check("io-inl-all-ones", cap.hits == 0 && v == 0xffffffffu, "hits %d EAX %#x", cap.hits, v);
  CAPTURE("outb %%al, $0x80", : : "a"(0));
  expect_none("io-out-dropped");
  uint32_t di = (uint32_t)(uintptr_t)io_buf, cx = 6;
  CAPTURE("rep insb", : "+D"(di), "+c"(cx) : "d"(0x60) : "memory");
  ktest_check("io-rep-insb", cap.hits == 0 && cx == 0 && di == (uint32_t)(uintptr_t)io_buf + 6 && io_buf[5] == 0xff &&
                                 io_buf[6] == 0,
              "hits %d ECX %u EDI %#x buf %02x %02x", cap.hits, cx, di, io_buf[5], io_buf[6]);
  uint32_t si = (uint32_t)(uintptr_t)io_buf;
  cx = 2;
  CAPTURE("rep outsw", : "+S"(si), "+c"(cx) : "d"(0x60));
  ktest_check("io-rep-outsw", cap.hits == 0 && cx == 0 && si == (uint32_t)(uintptr_t)io_buf + 4, "hits %d ECX %u ESI %#x",
              cap.hits, cx, si);
  /* INS into an unmapped page: #PF (write, not present) with the count where it stopped. */
  di = 0x3000;
  cx = 3;
  CAPTURE("rep insw", : "+D"(di), "+c"(cx) : "d"(0x60) : "memory");
  ktest_check("io-ins-page-fault", cap.hits == 1 && cap.vec == 14 && cap.err == 2 && cap.eip == cap_before && cx == 3,
              "hits %d vector %u error %#x eip %#x ECX %u", cap.hits, cap.vec, cap.err, cap.eip, cx);
  uint32_t cr2;
  __asm__ volatile("movl %%cr2, %0" : "=r"(cr2));
  KCHECK_EQ("io-ins-page-fault-cr2", cr2, 0x3000);
  CAPTURE("cli\n\tsti");
  expect_none("cli-sti-with-iopl");
  KCHECK_EQ("io-set-iopl-0", set_iopl(0), 0);
  CAPTURE("outb %%al, $0x80", : : "a"(0));
  expect_gp0("io-out-iopl-0-gp");
}

static void fpu(void) {
  HYPERVISOR_fpu_taskswitch(1);
  CAPTURE("fninit");
  ktest_check("fpu-nm", cap.hits == 1 && cap.vec == 7 && cap.eip == cap_before, "hits %d vector %u eip %#x", cap.hits,
              cap.vec, cap.eip);
  KCHECK_EQ("fpu-nm-clears-ts", read_cr0() & CR0_TS, 0);
  /* TS clear: the FPU instruction reaches the (FPU-less) processor: #UD, not #NM. */
  CAPTURE("fninit");
  ktest_check("fpu-no-nm-after", cap.hits == 1 && cap.vec == 6, "hits %d vector %u", cap.hits, cap.vec);
}

static void others(void) {
  CAPTURE("wbinvd");
  expect_none("wbinvd-accepted");
  static uint8_t desc[6];
  CAPTURE("lgdt %0", : : "m"(desc));
  expect_gp0("lgdt-gp");
  CAPTURE("lidt %0", : : "m"(desc));
  expect_gp0("lidt-gp");
  CAPTURE("invlpg (%%eax)", : : "a"(0xc0000000u));
  expect_gp0("invlpg-gp");
  CAPTURE("ltr %%ax", : : "a"(0x28));
  expect_gp0("ltr-gp");
}

static void hlt_and_sti(void) {
  evtchn_port_t timer, ipi;
  if (ev_init() != 0 || ev_bind_virq(VIRQ_TIMER, 0, &timer) != 0 || ev_bind_ipi(0, &ipi) != 0) {
    ktest_skip("hlt-blocks", "event channels are not available");
    return;
  }
  CAPTURE("hlt");
  expect_gp0("hlt-gp");
  /* An event raised while masked waits; STI (virtual IOPL 1) lets it in right after. */
  ev_mask(0, 1);
  uint32_t before = ev_upcalls[0];
  KCHECK_EQ("sti-send-masked", ev_send(ipi), 0);
  uint32_t while_masked = ev_upcalls[0] - before;
  set_iopl(1);
  __asm__ volatile("sti" ::: "memory");
  uint32_t after_sti = ev_upcalls[0] - before;
  set_iopl(0);
  ktest_check("sti-delivers-pending", while_masked == 0 && after_sti == 1, "%u upcalls while masked, %u after STI",
              while_masked, after_sti);
  ev_mask(0, 1);
  ev_close(ipi);
  ev_close(timer);
}

int main(void) {
  KCHECK_EQ("set-trap-table", pv_traps_init(), 0);
  for (int v = 0; v < 20; ++v) cap_route(v, v == 3 || v == 4 ? 3 : 0, 1);
  control_registers();
  debug_registers();
  msrs();
  port_io();
  fpu();
  others();
  hlt_and_sti();
  ktest_finish();
}
