/* IRET to virtual-8086 mode with no #GP entry in the trap table: there is nowhere to report
   the fault, so the hypervisor crashes the domain (pvlab exits 16) and names the reason;
   the console keeps the PASS line printed before. */
#include "pv.h"

uint32_t vm86_frame[10];

int main(void) {
  kprintf("pv traps_crash_vm86: HYPERVISOR_iret to virtual-8086 mode without a #GP handler\n");
  ktest_check("no-trap-table", HYPERVISOR_set_trap_table(0) == 0, "clearing the trap table was refused");
  pv_console_flush();
  vm86_frame[1] = 0x1000;
  vm86_frame[2] = 0x2000;
  vm86_frame[3] = 0x00020202;
  __asm__ volatile("leal vm86_frame+4, %%esp\n\t"
                   "jmp hypercall_page+%c[off]" ::[off] "i"(__HYPERVISOR_iret * 32)
                   : "memory");
  ktest_fail("vm86-crash", "HYPERVISOR_iret to virtual-8086 mode returned");
  ktest_finish();
}
