/* A bounce frame that cannot be written: the kernel points ESP at an unmapped page and
   raises an exception. Xen crashes the domain; pvlab must too (exit status 16, the reason in
   the state dump), with everything the kernel printed before still on the console.
   This kernel is expected to crash: its last line is the PASS before the fault. */
#include "pv.h"

int main(void) {
  KCHECK_EQ("crash-stack-trap-table", pv_traps_init(), 0);
  kputs("crash-stack: ESP -> 0x1000 (unmapped), then ud2\n");
  pv_console_flush();
  __asm__ volatile("movl $0x1000, %esp\n\tud2");
  ktest_fail("crash-stack", "the exception was delivered on an unmapped stack");
  ktest_finish();
}
