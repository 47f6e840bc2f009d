/* The kernel stack of stack_switch is unmapped: a system call from ring 3 has nowhere to put
   its bounce frame, and the domain is crashed with the reason (exit status 16), the console
   intact. Expected to crash after its PASS lines. */
#include "traps_util.h"

int main(void) {
  KCHECK_EQ("crash-kstack-trap-table", pv_traps_init(), 0);
  KCHECK_EQ("crash-kstack-route", pv_trap_route(0x80, 3, 0), 0);
  KCHECK_EQ("crash-kstack-user-pages", user_pages_init(), 0);
  KCHECK_EQ("crash-kstack-stack-switch", HYPERVISOR_stack_switch(FLAT_KERNEL_SS, 0x2000), 0);
  kputs("crash-kstack: int $0x80 from ring 3 onto an unmapped kernel stack\n");
  pv_console_flush();
  run_user(0, 1);
  ktest_fail("crash-kstack", "the system call returned");
  ktest_finish();
}
