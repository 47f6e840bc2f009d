/* Vcpus: a second vcpu brought to life with HYPERVISOR_vcpu_op, as a 32-bit PV guest does it
   (run with --vcpus 2; with one vcpu the second-vcpu checks are skipped).

   - VCPUOP_is_up / up / initialise refusals: a vcpu without a context cannot come up, a
     context is given once, a vcpu that does not exist is -ENOENT, a context with a CR3 that
     is not the domain's is -EINVAL.
   - VCPUOP_initialise with flat ring-1 selectors, its own stack and event callback; VCPUOP_up
     starts it; both vcpus run interleaved, and SCHEDOP_yield hands the rest of the quantum
     to the other one.
   - IPIs: vcpu 1 sleeps in SCHEDOP_block, an IPI bound to it (EVTCHNOP_bind_ipi) wakes it
     and runs its callback there; it answers with an IPI to vcpu 0.
   - VCPUOP_get_runstate_info, VCPUOP_down / is_up, VCPUOP_register_vcpu_info (vcpu_info moved
     into a page of the guest, events delivered there). */
#include "events_lib.h"

static volatile uint32_t second_alive, second_wakeups, second_done, second_spins, spin_stop;
static evtchn_port_t to_second, to_first;
static uint8_t second_stack[8192] __attribute__((aligned(16)));

/* vcpu 1's kernel: says it is alive, then sleeps until vcpu 0's IPIs, answering each. */
void second_main(void);
void second_main(void) {
  second_alive = 1;
  while (!spin_stop) ++second_spins; /* runnable, so vcpu 0's yields hand it the CPU */
  for (;;) {
    uint32_t seen = ev_port_count[to_second];
    while (ev_port_count[to_second] == seen) ev_block();
    ++second_wakeups;
    ev_send(to_first);
    if (second_done) break;
  }
  for (;;) ev_block();
}

static int initialise_second(uint32_t cr3_mfn) {
  static struct vcpu_guest_context ctx;
  for (unsigned i = 0; i < sizeof ctx; ++i) ((volatile uint8_t*)&ctx)[i] = 0;
  ctx.user_regs.eip = (uint32_t)(uintptr_t)second_main;
  ctx.user_regs.esp = (uint32_t)(uintptr_t)(second_stack + sizeof second_stack - 16);
  ctx.user_regs.cs = FLAT_KERNEL_CS;
  ctx.user_regs.ss = ctx.user_regs.ds = ctx.user_regs.es = FLAT_KERNEL_DS;
  ctx.user_regs.eflags = 0x202;
  ctx.kernel_ss = FLAT_KERNEL_SS;
  ctx.kernel_sp = ctx.user_regs.esp;
  ctx.event_callback_cs = FLAT_KERNEL_CS;
  ctx.event_callback_eip = ev_entry(1);
  ctx.failsafe_callback_cs = FLAT_KERNEL_CS;
  ctx.failsafe_callback_eip = ev_entry(1);
  ctx.ctrlreg[3] = xen_pfn_to_cr3(cr3_mfn);
  return HYPERVISOR_vcpu_op(VCPUOP_initialise, 1, &ctx);
}

static int wait_for(volatile uint32_t* flag, uint32_t want) {
  for (int i = 0; i < 100000 && *flag < want; ++i) HYPERVISOR_sched_op(SCHEDOP_yield, 0);
  return *flag >= want;
}

static void check_second_vcpu(void) {
  EV_CHECK_RC("is-up-0", HYPERVISOR_vcpu_op(VCPUOP_is_up, 0, 0), 1);
  EV_CHECK_RC("is-up-1", HYPERVISOR_vcpu_op(VCPUOP_is_up, 1, 0), 0);
  EV_CHECK_RC("up-without-context", HYPERVISOR_vcpu_op(VCPUOP_up, 1, 0), -XEN_EINVAL);
  EV_CHECK_RC("no-such-vcpu", HYPERVISOR_vcpu_op(VCPUOP_is_up, 64, 0), -XEN_ENOENT);
  uint32_t l3_mfn = (uint32_t)(pv_va_to_maddr((void*)pv_start_info->pt_base) >> 12);
  EV_CHECK_RC("initialise-foreign-cr3", initialise_second(1), -XEN_EINVAL);
  EV_CHECK_RC("initialise", initialise_second(l3_mfn), 0);
  EV_CHECK_RC("initialise-twice", initialise_second(l3_mfn), -XEN_EEXIST);
  EV_CHECK_RC("initialise-vcpu-0", HYPERVISOR_vcpu_op(VCPUOP_initialise, 0, (void*)pv_start_info), -XEN_EEXIST);

  int rc = ev_bind_ipi(1, &to_second);
  KCHECK_EQ("bind-ipi-to-vcpu-1", rc, 0);
  EV_CHECK_RC("bind-ipi-to-vcpu-0", ev_bind_ipi(0, &to_first), 0);
  EV_CHECK_RC("up", HYPERVISOR_vcpu_op(VCPUOP_up, 1, 0), 0);
  EV_CHECK_RC("is-up-after-up", HYPERVISOR_vcpu_op(VCPUOP_is_up, 1, 0), 1);
  if (!ktest_check("second-runs", wait_for(&second_alive, 1), "vcpu 1 never ran")) return;

  /* SCHEDOP_yield ends vcpu 0's quantum: vcpu 1 (spinning) runs before the call returns. */
  unsigned progressed = 0;
  for (int i = 0; i < 3; ++i) {
    uint32_t before = second_spins;
    HYPERVISOR_sched_op(SCHEDOP_yield, 0);
    progressed += second_spins != before;
  }
  ktest_check("yield-runs-other-vcpu", progressed == 3, "vcpu 1 ran during %u of 3 yields", progressed);
  spin_stop = 1;

  /* Wait until vcpu 1 sleeps, then wake it with an IPI; it answers with one. */
  struct vcpu_runstate_info rs;
  for (int i = 0; i < 100000; ++i) {
    HYPERVISOR_vcpu_op(VCPUOP_get_runstate_info, 1, &rs);
    if (rs.state == RUNSTATE_blocked) break;
    HYPERVISOR_sched_op(SCHEDOP_yield, 0);
  }
  ktest_check("second-blocks", rs.state == RUNSTATE_blocked && rs.time[RUNSTATE_running] > 0,
              "runstate %d, running %llu ns", rs.state, rs.time[RUNSTATE_running]);
  ev_mask(0, 0);
  uint32_t answers = ev_port_count[to_first];
  EV_CHECK_RC("send-ipi", ev_send(to_second), 0);
  ktest_check("ipi-wakes-second", wait_for(&second_wakeups, 1), "vcpu 1 did not wake");
  ktest_check("ipi-callback-on-second", ev_port_count[to_second] == 1 && ev_port_vcpu[to_second] == 1 && ev_upcalls[1] >= 1,
              "port seen %u times, last on vcpu %u, vcpu 1 upcalls %u", ev_port_count[to_second], ev_port_vcpu[to_second],
              ev_upcalls[1]);
  ktest_check("ipi-answer", wait_for(&ev_port_count[to_first], answers + 1) && ev_port_vcpu[to_first] == 0,
              "no IPI came back to vcpu 0");
  second_done = 1;
  ev_send(to_second);
  wait_for(&second_wakeups, 2);

  EV_CHECK_RC("down", HYPERVISOR_vcpu_op(VCPUOP_down, 1, 0), 0);
  EV_CHECK_RC("is-up-after-down", HYPERVISOR_vcpu_op(VCPUOP_is_up, 1, 0), 0);
  HYPERVISOR_vcpu_op(VCPUOP_get_runstate_info, 1, &rs);
  KCHECK_EQ("runstate-offline", rs.state, RUNSTATE_offline);
}

static uint8_t info_page[4096] __attribute__((aligned(4096)));

static void check_register_vcpu_info(void) {
  struct vcpu_register_vcpu_info r = {pv_va_to_maddr(info_page) >> 12, 4096 - 32, 0};
  EV_CHECK_RC("vcpu-info-crosses-page", HYPERVISOR_vcpu_op(VCPUOP_register_vcpu_info, 0, &r), -XEN_EINVAL);
  r.offset = 128;
  ev_mask(0, 1);
  int rc = HYPERVISOR_vcpu_op(VCPUOP_register_vcpu_info, 0, &r);
  if (!ktest_check("register-vcpu-info", rc == 0, "answered %d", rc)) return;
  volatile struct vcpu_info* vi = (volatile struct vcpu_info*)(info_page + 128);
  ev_vcpu_info_at(0, vi);
  ktest_check("vcpu-info-moved", vi->evtchn_upcall_mask == 1 && vi->evtchn_upcall_pending == 1 &&
                                     (vi->time.version & 1) == 0 && vi->time.tsc_to_system_mul != 0,
              "mask %u pending %u time version %u", vi->evtchn_upcall_mask, vi->evtchn_upcall_pending, vi->time.version);
  EV_CHECK_RC("register-vcpu-info-once", HYPERVISOR_vcpu_op(VCPUOP_register_vcpu_info, 0, &r), -XEN_EINVAL);
  /* Events now arrive through the new place. */
  evtchn_port_t p;
  ev_bind_ipi(0, &p);
  ev_mask(0, 0);
  uint32_t before = ev_port_count[p];
  ev_send(p);
  KCHECK_EQ("event-through-moved-vcpu-info", ev_port_count[p], before + 1);
  ev_close(p);
}

int main(void) {
  kprintf("pv vcpus: a second vcpu, IPIs, runstate, vcpu_info\n");
  if (!pv_shared_info) pv_panic("shared_info is not mapped (%d)", pv_shared_info_error);
  pv_traps_init();
  if (!ktest_check("set-callbacks", ev_init() == 0, "set_callbacks refused")) ktest_finish();
  if (HYPERVISOR_vcpu_op(VCPUOP_is_up, 1, 0) == -XEN_ENOENT) ktest_skip("second-vcpu", "run with --vcpus 2");
  else check_second_vcpu();
  check_register_vcpu_info();
  ktest_finish();
}
