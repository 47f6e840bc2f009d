/* An exception with no trap-table entry: the guest has registered no handler for #UD (only
   forced-emulation CPUID works without a table), so the domain is crashed with the vector
   named. Expected to crash (exit status 16). */
#include <xen/arch-x86/cpuid.h>

#include "pv.h"

int main(void) {
  uint32_t eax = 0x40000000u, ebx, ecx = 0, edx;
  __asm__ volatile("ud2\n\t.ascii \"xen\"\n\tcpuid" : "+a"(eax), "=b"(ebx), "+c"(ecx), "=d"(edx));
  KCHECK_EQ("crash-notrap-forced-cpuid", ebx, XEN_CPUID_SIGNATURE_EBX);
  kputs("crash-notrap: ud2 with no trap table\n");
  pv_console_flush();
  __asm__ volatile("ud2");
  ktest_fail("crash-notrap", "the #UD returned");
  ktest_finish();
}
