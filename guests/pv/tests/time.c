/* Time: Xen system time, timers and sleeping, as a 32-bit PV guest sees them.

   - vcpu_time_info: an even version, a scale (tsc_to_system_mul, tsc_shift), and system time
     computed from RDTSC that advances with the TSC: between two readings, the system time
     moved by the TSC delta scaled, within a nanosecond per reading.
   - The wallclock in shared_info: an even version and a plausible date.
   - set_timer_op: VIRQ_TIMER at the deadline, not before (the system time read in the
     callback's aftermath has passed it); 0 cancels; a deadline in the past fires at once.
   - SCHEDOP_block sleeps until the timer's event and enables events; SCHEDOP_poll wakes on
     its port (with events masked, no upcall) or at its timeout.
   - VCPUOP periodic and single-shot timers, with their refusals. */
#include "events_lib.h"

static evtchn_port_t timer_port;

static void check_time_info(void) {
  volatile struct vcpu_time_info* t = &ev_vcpu_info(0)->time;
  ktest_check("time-info-version-even", (t->version & 1) == 0 && t->version != 0, "version %u", t->version);
  ktest_check("time-info-scale", t->tsc_to_system_mul >= 0x80000000u && t->tsc_shift >= -31 && t->tsc_shift <= 31,
              "mul %#x shift %d", t->tsc_to_system_mul, t->tsc_shift);
  uint64_t tsc0 = ev_rdtsc();
  uint64_t ns0 = ev_system_time(0);
  for (volatile int i = 0; i < 20000; ++i) {
  }
  uint64_t ns1 = ev_system_time(0);
  uint64_t tsc1 = ev_rdtsc();
  ktest_check("system-time-advances", ns1 > ns0, "system time %llu then %llu", ns0, ns1);
  /* ns1 - ns0 is the scaled TSC delta of two readings that lie inside [tsc0, tsc1]. */
  uint64_t span = tsc1 - tsc0;
  uint64_t lo = ev_ns_to_tsc(0, ns1 - ns0);
  ktest_check("system-time-follows-tsc", lo <= span + 2, "system time moved %llu ns = %llu TSC ticks, TSC moved %llu",
              ns1 - ns0, lo, span);
  volatile shared_info_t* sh = pv_shared_info;
  ktest_check("wallclock", (sh->wc_version & 1) == 0 && sh->wc_version != 0 && sh->wc_sec > 1700000000u,
              "wc_version %u wc_sec %u wc_nsec %u", sh->wc_version, sh->wc_sec, sh->wc_nsec);
}

static void check_set_timer_op(void) {
  ev_mask(0, 0);
  uint32_t seen = ev_port_count[timer_port];
  uint64_t deadline = ev_system_time(0) + 200000; /* 200 us */
  int rc = HYPERVISOR_set_timer_op(deadline);
  KCHECK_EQ("set-timer-op", rc, 0);
  KCHECK_EQ("timer-not-early", ev_port_count[timer_port], seen);
  while (ev_port_count[timer_port] == seen && ev_system_time(0) < deadline + 100000000ull) {
  }
  ktest_check("timer-fires", ev_port_count[timer_port] == seen + 1, "%u timer events", ev_port_count[timer_port] - seen);
  uint64_t at = ev_port_time[timer_port];
  ktest_check("timer-at-deadline", at >= deadline && at - deadline < 100000,
              "the callback saw the event at %llu for the deadline %llu", at, deadline);

  /* 0 cancels. */
  seen = ev_port_count[timer_port];
  HYPERVISOR_set_timer_op(ev_system_time(0) + 50000);
  EV_CHECK_RC("set-timer-op-cancel", HYPERVISOR_set_timer_op(0), 0);
  uint64_t end = ev_system_time(0) + 300000;
  while (ev_system_time(0) < end) {
  }
  KCHECK_EQ("cancelled-timer-silent", ev_port_count[timer_port], seen);

  /* A deadline in the past fires at once. */
  EV_CHECK_RC("set-timer-op-past", HYPERVISOR_set_timer_op(1), 0);
  for (volatile int i = 0; i < 10; ++i) {
  }
  KCHECK_EQ("past-deadline-fires-at-once", ev_port_count[timer_port], seen + 1);
}

static void check_block(void) {
  ev_mask(0, 1); /* block must enable events itself */
  uint32_t seen = ev_port_count[timer_port];
  uint64_t deadline = ev_system_time(0) + 5000000; /* 5 ms */
  uint64_t tsc0 = ev_rdtsc();
  HYPERVISOR_set_timer_op(deadline);
  int rc = ev_block();
  uint64_t now = ev_system_time(0);
  ktest_check("block-until-timer", rc == 0 && ev_port_count[timer_port] == seen + 1 && now >= deadline,
              "block %d, %u timer events, woke at %llu for %llu", rc, ev_port_count[timer_port] - seen, now, deadline);
  EV_CHECK_RC("block-enables-events", ev_vcpu_info(0)->evtchn_upcall_mask, 0);
  ktest_check("block-tsc-moved", ev_rdtsc() - tsc0 >= ev_ns_to_tsc(0, 5000000) - 2, "TSC moved %llu",
              ev_rdtsc() - tsc0);

  /* Block with an event already due returns at once. */
  evtchn_port_t ipi;
  ev_bind_ipi(0, &ipi);
  ev_mask(0, 1);
  ev_send(ipi);
  uint64_t before = ev_system_time(0);
  rc = ev_block();
  ktest_check("block-with-event-due", rc == 0 && ev_port_count[ipi] == 1 && ev_system_time(0) - before < 1000000,
              "block %d, ipi seen %u times, took %llu ns", rc, ev_port_count[ipi], ev_system_time(0) - before);
  ev_close(ipi);
}

static void check_poll(void) {
  /* Events masked: the timer's port ends the poll with no upcall. */
  ev_mask(0, 1);
  uint32_t upcalls = ev_upcalls[0];
  uint64_t deadline = ev_system_time(0) + 1000000;
  HYPERVISOR_set_timer_op(deadline);
  evtchn_port_t ports[1] = {timer_port};
  int rc = ev_poll(ports, 1, 0);
  ktest_check("poll-wakes-on-port", rc == 0 && ev_pending(timer_port) && ev_system_time(0) >= deadline,
              "poll %d, pending %d", rc, ev_pending(timer_port));
  KCHECK_EQ("poll-no-upcall-while-masked", ev_upcalls[0], upcalls);
  EV_CHECK_RC("poll-leaves-mask", ev_vcpu_info(0)->evtchn_upcall_mask, 1);
  ev_clear_pending(timer_port);

  /* A timeout ends it when nothing comes. */
  evtchn_port_t ipi;
  ev_bind_ipi(0, &ipi);
  ports[0] = ipi;
  uint64_t timeout = ev_system_time(0) + 2000000;
  rc = ev_poll(ports, 1, timeout);
  uint64_t now = ev_system_time(0);
  ktest_check("poll-timeout", rc == 0 && now >= timeout && !ev_pending(ipi), "poll %d, returned at %llu for %llu", rc,
              now, timeout);
  /* A port already pending returns at once. */
  ev_send(ipi);
  uint64_t t0 = ev_system_time(0);
  rc = ev_poll(ports, 1, t0 + 50000000);
  ktest_check("poll-pending-port", rc == 0 && ev_system_time(0) - t0 < 1000000, "poll %d took %llu ns", rc,
              ev_system_time(0) - t0);
  ev_clear_pending(ipi);
  ports[0] = 5000;
  EV_CHECK_RC("poll-bad-port", ev_poll(ports, 1, 0), -XEN_EINVAL);
  EV_CHECK_RC("poll-too-many", ev_poll(ports, 129, 0), -XEN_EINVAL);
  EV_CHECK_RC("poll-efault", ev_poll((evtchn_port_t*)HYPERVISOR_VIRT_START, 1, 0), -XEN_EFAULT);
  ev_close(ipi);
  ev_mask(0, 0);
}

static void check_vcpu_timers(void) {
  struct vcpu_set_periodic_timer per = {500000};
  EV_CHECK_RC("periodic-below-1ms", HYPERVISOR_vcpu_op(VCPUOP_set_periodic_timer, 0, &per), -XEN_EINVAL);
  per.period_ns = 1000000;
  EV_CHECK_RC("periodic-set", HYPERVISOR_vcpu_op(VCPUOP_set_periodic_timer, 0, &per), 0);
  uint32_t seen = ev_port_count[timer_port];
  uint64_t start = ev_system_time(0);
  while (ev_port_count[timer_port] - seen < 5) ev_block();
  uint64_t took = ev_system_time(0) - start;
  ktest_check("periodic-ticks", took >= 4000000 && took < 6000000, "5 ticks of 1 ms took %llu ns", took);
  EV_CHECK_RC("periodic-stop", HYPERVISOR_vcpu_op(VCPUOP_stop_periodic_timer, 0, 0), 0);
  seen = ev_port_count[timer_port];
  uint64_t end = ev_system_time(0) + 3000000;
  while (ev_system_time(0) < end) {
  }
  KCHECK_EQ("periodic-stopped", ev_port_count[timer_port], seen);

  struct vcpu_set_singleshot_timer ss = {1, VCPU_SSHOTTMR_future};
  EV_CHECK_RC("singleshot-future-in-past", HYPERVISOR_vcpu_op(VCPUOP_set_singleshot_timer, 0, &ss), -XEN_ETIME);
  ss.timeout_abs_ns = ev_system_time(0) + 300000;
  ss.flags = VCPU_SSHOTTMR_future;
  EV_CHECK_RC("singleshot-set", HYPERVISOR_vcpu_op(VCPUOP_set_singleshot_timer, 0, &ss), 0);
  int rc = ev_block();
  ktest_check("singleshot-fires", rc == 0 && ev_port_count[timer_port] == seen + 1 &&
                                      ev_system_time(0) >= ss.timeout_abs_ns,
              "block %d, %u events", rc, ev_port_count[timer_port] - seen);
  EV_CHECK_RC("singleshot-stop", HYPERVISOR_vcpu_op(VCPUOP_stop_singleshot_timer, 0, 0), 0);
  EV_CHECK_RC("vcpu-timer-no-vcpu", HYPERVISOR_vcpu_op(VCPUOP_set_periodic_timer, 40, &per), -XEN_ENOENT);
}

int main(void) {
  kprintf("pv time: system time, timers, block and poll\n");
  if (!pv_shared_info) pv_panic("shared_info is not mapped (%d)", pv_shared_info_error);
  pv_traps_init();
  if (!ktest_check("set-callbacks", ev_init() == 0, "set_callbacks refused")) ktest_finish();
  int rc = ev_bind_virq(VIRQ_TIMER, 0, &timer_port);
  if (!ktest_check("bind-virq-timer", rc == 0, "bind_virq answered %d", rc)) ktest_finish();
  check_time_info();
  check_set_timer_op();
  check_block();
  check_poll();
  check_vcpu_timers();
  ktest_finish();
}
