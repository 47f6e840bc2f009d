/* The hypercall-page MSR: CPUID leaf 0x40000002 (through the forced-emulation prefix) says
   there is one hypercall page and names the MSR; a WRMSR of a page's machine address fills
   that page with the same stubs as the HYPERCALL_PAGE note's page, and hypercalls work
   through it. A page index other than 0, a page-table frame, a frame that is not the
   domain's and RDMSR of the MSR are #GP. */
#include "traps_util.h"

static uint8_t page[4096] __attribute__((aligned(4096)));

static uint32_t fault_of_wrmsr(uint32_t msr, uint64_t value) {
  return (uint32_t)KTEST_PROBE("wrmsr", : : "c"(msr), "a"((uint32_t)value), "d"((uint32_t)(value >> 32)) : "memory");
}

static long call_through(const uint8_t* p, unsigned nr, uint32_t a1, uint32_t a2) {
  long res;
  uint32_t b = a1, c = a2;
  __asm__ volatile("call *%[fn]" : "=a"(res), "+b"(b), "+c"(c) : [fn] "S"(p + nr * 32) : "edx", "memory");
  return res;
}

int main(void) {
  kprintf("pv hypercall_msr: the hypercall page through WRMSR\n");
  if (!ktest_check("trap-table", pv_traps_init() == 0, "set_trap_table refused")) ktest_finish();
  struct regs4 r = cpuid_forced(0x40000002, 0);
  ktest_check("cpuid-hypercall-msr", r.eax == 1 && r.ebx == 0x40000000, "leaf 0x40000002: %u pages, MSR %#x", r.eax,
              r.ebx);
  const uint32_t msr = r.ebx;
  const uint64_t maddr = pv_va_to_maddr(page);

  const uint32_t fill_fault = fault_of_wrmsr(msr, maddr);
  ktest_check("wrmsr-fills-page", fill_fault == (uint32_t)-1, "WRMSR %#x of %#llx faulted (vector %d)", msr,
              (unsigned long long)maddr, (int)fill_fault);
  const uint8_t stub0[8] = {0xb8, 0, 0, 0, 0, 0xcd, 0x82, 0xc3};
  const uint8_t iret[8] = {0x50, 0xb8, __HYPERVISOR_iret, 0, 0, 0, 0xcd, 0x82};
  unsigned bad = 0;
  for (unsigned i = 0; i < 8; ++i) bad += page[i] != stub0[i] || page[__HYPERVISOR_iret * 32 + i] != iret[i];
  for (unsigned i = 8; i < 32; ++i) bad += page[i] != 0xcc;
  for (unsigned n = 1; n < 128; ++n) bad += n != __HYPERVISOR_iret && (page[n * 32] != 0xb8 || page[n * 32 + 1] != n);
  KCHECK_EQ("page-stubs", bad, 0);
  long want = HYPERVISOR_xen_version(XENVER_version, 0);
  long got = call_through(page, __HYPERVISOR_xen_version, XENVER_version, 0);
  ktest_check("hypercall-through-page", got == want && want > 0, "xen_version through the page %#lx, expected %#lx",
              got, want);

  const uint64_t l3 = pv_va_to_maddr((void*)pv_start_info->pt_base);
  const uint32_t index_fault = fault_of_wrmsr(msr, maddr + 1);
  const uint32_t table_fault = fault_of_wrmsr(msr, l3);
  const uint32_t xen_fault = fault_of_wrmsr(msr, 1ull << 12);
  KCHECK_EQ("wrmsr-page-index", index_fault, 13);
  KCHECK_EQ("wrmsr-page-table", table_fault, 13);
  KCHECK_EQ("wrmsr-hypervisor-frame", xen_fault, 13);
  uint32_t lo, hi;
  const int rd = KTEST_PROBE("rdmsr", : "=a"(lo), "=d"(hi) : "c"(msr) : "memory");
  KCHECK_EQ("rdmsr-hypercall-msr", rd, 13);
  ktest_finish();
}
