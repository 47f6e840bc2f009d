/* Hostile arguments to the trap hypercalls: every rule refuses with its exact error (the
   hypercall log shows the reason), and a refusal changes nothing it should not.
   - set_trap_table: a ring-0 hypervisor selector, a ring-3 selector, a null selector ->
     -EPERM; a table in the hypervisor area or unmapped -> -EFAULT; entries before a bad one
     stay installed (Xen's order); RPL 0 is taken as ring 1; a null table clears all.
   - stack_switch: RPL 3 or an out-of-range value -> -EPERM; a code selector -> -EINVAL.
   - set_callbacks / callback_op: bad selectors -EPERM, unreadable -EFAULT, unsupported
     types -ENOSYS, unregistering the event callback -EINVAL.
   - set_debugreg / get_debugreg: hypervisor addresses, GD, I/O breakpoints without CR4.DE
     -EPERM; registers that do not exist -EINVAL.
   - physdev_op: IOPL above 3 -EINVAL, other commands -ENOSYS, bad pointer -EFAULT. */
#include "traps_util.h"

static int table(int vec, uint16_t cs, int dpl) {
  struct trap_info t[2] = {{(uint8_t)vec, (uint8_t)dpl, cs, ktrap_stub(vec)}, {0, 0, 0, 0}};
  return HYPERVISOR_set_trap_table(t);
}

static void trap_table(void) {
  KCHECK_EQ("trap-table-ring0-cs", table(0x50, 0xe008, 1), -XEN_EPERM);
  KCHECK_EQ("trap-table-ring3-cs", table(0x50, 0xe02b, 1), -XEN_EPERM);
  KCHECK_EQ("trap-table-null-cs", table(0x50, 0, 1), -XEN_EPERM);
  KCHECK_EQ("trap-table-reserved-data-cs", table(0x50, 0xe021, 1), -XEN_EPERM);
  KCHECK_EQ("trap-table-in-hypervisor", HYPERVISOR_set_trap_table((struct trap_info*)0xF5800000u), -XEN_EFAULT);
  KCHECK_EQ("trap-table-unmapped", HYPERVISOR_set_trap_table((struct trap_info*)0x1000), -XEN_EFAULT);
  /* A refused vector was not installed: INT 0x50 is #GP. */
  CAPTURE("int $0x50");
  ktest_check("trap-table-refused-not-installed", cap.hits == 1 && cap.vec == 13 && cap.err == ((0x50 << 3) | 2),
              "hits %d vector %u error %#x", cap.hits, cap.vec, cap.err);
  /* Entries before a bad one stay. */
  ktrap_set(0x51, cap_handler);
  struct trap_info t[3] = {pv_trap_entry(0x51, 1, 0), {0x52, 1, 0xe008, ktrap_stub(0x52)}, {0, 0, 0, 0}};
  KCHECK_EQ("trap-table-partial-rc", HYPERVISOR_set_trap_table(t), -XEN_EPERM);
  CAPTURE("int $0x51");
  ktest_check("trap-table-partial-installed", cap.hits == 1 && cap.vec == 0x51, "hits %d vector %u", cap.hits, cap.vec);
  /* RPL 0 of the kernel's code selector is taken as ring 1. */
  ktrap_set(0x53, cap_handler);
  KCHECK_EQ("trap-table-rpl0-fixed", table(0x53, FLAT_KERNEL_CS & ~3, 1), 0);
  CAPTURE("int $0x53");
  ktest_check("trap-table-rpl0-runs-ring1", cap.hits == 1 && cap.vec == 0x53 && (cap.cs & 0xffff) == FLAT_KERNEL_CS,
              "hits %d vector %u cs %#x", cap.hits, cap.vec, cap.cs);
}

static void stack_switch(void) {
  KCHECK_EQ("stack-switch-ring3", HYPERVISOR_stack_switch(0xe033, 0xc0001000u), -XEN_EPERM);
  KCHECK_EQ("stack-switch-code", HYPERVISOR_stack_switch(FLAT_KERNEL_CS, 0xc0001000u), -XEN_EINVAL);
  KCHECK_EQ("stack-switch-out-of-range", HYPERVISOR_stack_switch(0x1e021, 0xc0001000u), -XEN_EPERM);
  KCHECK_EQ("stack-switch-empty-descriptor", HYPERVISOR_stack_switch(0x0009, 0xc0001000u), -XEN_EINVAL);
  KCHECK_EQ("stack-switch-rpl0-fixed", HYPERVISOR_stack_switch(FLAT_KERNEL_SS & ~3, 0xc0001000u), 0);
  KCHECK_EQ("stack-switch-ok", HYPERVISOR_stack_switch(FLAT_KERNEL_SS, (unsigned long)(user_kstack + 8192)), 0);
}

static void callbacks(void) {
  KCHECK_EQ("set-callbacks-ring0", HYPERVISOR_set_callbacks(0xe008, 0xc0000000u, FLAT_KERNEL_CS, 0xc0000000u),
            -XEN_EPERM);
  KCHECK_EQ("set-callbacks-failsafe-ring3", HYPERVISOR_set_callbacks(FLAT_KERNEL_CS, 0xc0000000u, 0xe02b, 0xc0000000u),
            -XEN_EPERM);
  ktrap_set(0xf1, cap_handler);
  KCHECK_EQ("set-callbacks-ok",
            HYPERVISOR_set_callbacks(FLAT_KERNEL_CS, ktrap_stub(0xf1), FLAT_KERNEL_CS, ktrap_stub(0xf1)), 0);
  struct callback_register r = {CALLBACKTYPE_event, 0, {0xe008, 0xc0000000u}};
  KCHECK_EQ("callback-register-ring0", HYPERVISOR_callback_op(CALLBACKOP_register, &r), -XEN_EPERM);
  r.type = CALLBACKTYPE_syscall;
  r.address.cs = FLAT_KERNEL_CS;
  KCHECK_EQ("callback-register-syscall64", HYPERVISOR_callback_op(CALLBACKOP_register, &r), -XEN_ENOSYS);
  r.type = CALLBACKTYPE_syscall32;
  KCHECK_EQ("callback-register-syscall32", HYPERVISOR_callback_op(CALLBACKOP_register, &r), -XEN_ENOSYS);
  r.type = 99;
  KCHECK_EQ("callback-register-unknown", HYPERVISOR_callback_op(CALLBACKOP_register, &r), -XEN_ENOSYS);
  KCHECK_EQ("callback-register-unreadable", HYPERVISOR_callback_op(CALLBACKOP_register, (void*)0x1000), -XEN_EFAULT);
  r.type = CALLBACKTYPE_nmi;
  KCHECK_EQ("callback-register-nmi", HYPERVISOR_callback_op(CALLBACKOP_register, &r), 0);
  struct callback_unregister u = {CALLBACKTYPE_nmi, 0};
  KCHECK_EQ("callback-unregister-nmi", HYPERVISOR_callback_op(CALLBACKOP_unregister, &u), 0);
  u.type = CALLBACKTYPE_event;
  KCHECK_EQ("callback-unregister-event", HYPERVISOR_callback_op(CALLBACKOP_unregister, &u), -XEN_EINVAL);
  u.type = CALLBACKTYPE_failsafe;
  KCHECK_EQ("callback-unregister-failsafe", HYPERVISOR_callback_op(CALLBACKOP_unregister, &u), -XEN_EINVAL);
  KCHECK_EQ("callback-op-unknown", HYPERVISOR_callback_op(7, &u), -XEN_ENOSYS);
}

static void debugregs(void) {
  KCHECK_EQ("set-debugreg-hypervisor", HYPERVISOR_set_debugreg(0, 0xF5800000u), -XEN_EPERM);
  KCHECK_EQ("set-debugreg-last-word", HYPERVISOR_set_debugreg(1, 0xF57FFFFCu), 0);
  KCHECK_EQ("set-debugreg-straddle", HYPERVISOR_set_debugreg(1, 0xF57FFFFDu), -XEN_EPERM);
  KCHECK_EQ("get-debugreg-kept", (uint32_t)HYPERVISOR_get_debugreg(1), 0xF57FFFFCu);
  KCHECK_EQ("set-debugreg-gd", HYPERVISOR_set_debugreg(7, 0x2000), -XEN_EPERM);
  KCHECK_EQ("set-debugreg-io-without-de", HYPERVISOR_set_debugreg(7, 0x00020001), -XEN_EPERM);
  KCHECK_EQ("set-debugreg-dr4", HYPERVISOR_set_debugreg(4, 0), -XEN_EINVAL);
  KCHECK_EQ("set-debugreg-dr8", HYPERVISOR_set_debugreg(8, 0), -XEN_EINVAL);
  KCHECK_EQ("get-debugreg-dr8", (int)HYPERVISOR_get_debugreg(8), -XEN_EINVAL);
  KCHECK_EQ("set-debugreg-dr6-fixed", HYPERVISOR_set_debugreg(6, 0), 0);
  KCHECK_EQ("get-debugreg-dr6-fixed", (uint32_t)HYPERVISOR_get_debugreg(6), 0xffff0ff0u);
  /* With CR4.DE an I/O breakpoint is accepted and reads back. */
  uint32_t cr4;
  __asm__ volatile("movl %%cr4, %0" : "=r"(cr4));
  __asm__ volatile("movl %0, %%cr4" : : "r"(cr4 | 8));
  KCHECK_EQ("set-debugreg-io-with-de", HYPERVISOR_set_debugreg(7, 0x00020001), 0);
  KCHECK_EQ("get-debugreg-io", (uint32_t)HYPERVISOR_get_debugreg(7), 0x00020401u);
  KCHECK_EQ("set-debugreg-dr7-off", HYPERVISOR_set_debugreg(7, 0), 0);
  __asm__ volatile("movl %0, %%cr4" : : "r"(cr4));
}

static void physdev(void) {
  struct physdev_set_iopl p = {4};
  KCHECK_EQ("physdev-iopl-4", HYPERVISOR_physdev_op(PHYSDEVOP_set_iopl, &p), -XEN_EINVAL);
  KCHECK_EQ("physdev-iopl-unreadable", HYPERVISOR_physdev_op(PHYSDEVOP_set_iopl, (void*)0x1000), -XEN_EFAULT);
  KCHECK_EQ("physdev-eoi-enosys", HYPERVISOR_physdev_op(PHYSDEVOP_eoi, &p), -XEN_ENOSYS);
  /* The refused IOPL left I/O refused. */
  CAPTURE("inb $0x60, %%al", : : : "eax");
  ktest_check("physdev-iopl-unchanged", cap.hits == 1 && cap.vec == 13, "hits %d vector %u", cap.hits, cap.vec);
}

int main(void) {
  KCHECK_EQ("set-trap-table", pv_traps_init(), 0);
  for (int v = 0; v < 20; ++v) cap_route(v, v == 3 || v == 4 ? 3 : 0, 1);
  trap_table();
  stack_switch();
  callbacks();
  debugregs();
  physdev();
  /* A null table clears every entry: the next exception has no handler, which crashes the
     domain; so only the answer is checked here, and the table put back. */
  KCHECK_EQ("trap-table-null-clears", HYPERVISOR_set_trap_table(0), 0);
  KCHECK_EQ("trap-table-reinstall", pv_traps_init(), 0);
  ktest_finish();
}
