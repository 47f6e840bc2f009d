/* Events: the two-level event channels of xen/event_channel.h as a 32-bit PV guest sees them.

   - Unmasked delivery: an event on an unmasked port with events enabled runs the callback
     at once (before the next instruction after the hypercall), through Xen's bounce frame.
   - Masked delivery: with the upcall mask set only the flags change (pending bit, selector
     bit, evtchn_upcall_pending); the guest polls them, and clearing the mask lets the upcall
     in. A port masked in evtchn_mask stops at its pending bit; EVTCHNOP_unmask delivers it.
   - Every operation: alloc_unbound, bind_interdomain (loopback, and Xen's raising of the new
     local port), bind_virq, bind_ipi, send, status, close, unmask, bind_vcpu, reset; the FIFO
     ABI refused (init_control -EINVAL, expand_array -ENOSYS); the exact error for bad ports,
     bad VIRQs, bad vcpus, another domain, unreadable arguments.
   - The console ring: output written to the ring reaches the host back end on a notify, which
     consumes it and notifies back. */
#include "events_lib.h"

#include <xen/io/console.h>

static void check_unmasked(void) {
  evtchn_port_t p;
  int rc = ev_bind_ipi(0, &p);
  if (!ktest_check("bind-ipi", rc == 0 && p > 0 && p < 1024, "rc %d port %u", rc, p)) return;
  uint32_t before = ev_upcalls[0];
  ev_mask(0, 0);
  rc = ev_send(p);
  /* The upcall has run by now: it is taken at the instruction boundary after the hypercall. */
  uint32_t got = ev_upcalls[0] - before;
  ktest_check("unmasked-upcall-runs-at-once", rc == 0 && got == 1 && ev_port_count[p] == 1,
              "send %d, %u upcalls, port %u seen %u times", rc, got, p, ev_port_count[p]);
  ktest_check("unmasked-callback-clears-pending", !ev_pending(p) && ev_vcpu_info(0)->evtchn_upcall_pending == 0,
              "pending %d, upcall_pending %u", ev_pending(p), ev_vcpu_info(0)->evtchn_upcall_pending);
  EV_CHECK_RC("callback-returns-with-events-enabled", ev_vcpu_info(0)->evtchn_upcall_mask, 0);
  ev_close(p);
}

static void check_masked(void) {
  evtchn_port_t p;
  if (ev_bind_ipi(0, &p) != 0) return;
  volatile struct vcpu_info* vi = ev_vcpu_info(0);
  uint32_t seen = ev_port_count[p]; /* a port number closed earlier may come back */
  ev_mask(0, 1);
  uint32_t before = ev_upcalls[0];
  int rc = ev_send(p);
  ktest_check("masked-no-upcall", rc == 0 && ev_upcalls[0] == before, "send %d, %u upcalls", rc,
              ev_upcalls[0] - before);
  ktest_check("masked-flags-set",
              ev_pending(p) && vi->evtchn_upcall_pending == 1 && (vi->evtchn_pending_sel & (1u << (p / 32))),
              "pending %d, upcall_pending %u, pending_sel %#lx", ev_pending(p), vi->evtchn_upcall_pending,
              vi->evtchn_pending_sel);
  /* Unmasking lets the pending upcall in at the next instruction boundary. */
  ev_mask(0, 0);
  for (volatile int i = 0; i < 10; ++i) {
  }
  ktest_check("unmask-delivers-pending", ev_upcalls[0] == before + 1 && ev_port_count[p] == seen + 1,
              "%u upcalls, port seen %u times", ev_upcalls[0] - before, ev_port_count[p] - seen);

  /* A port masked in evtchn_mask: pending bit only, no selector, no upcall. */
  ev_set_mask(p, 1);
  before = ev_upcalls[0];
  rc = ev_send(p);
  ktest_check("port-masked-pending-only",
              rc == 0 && ev_pending(p) && ev_upcalls[0] == before && vi->evtchn_upcall_pending == 0,
              "send %d, pending %d, %u upcalls, upcall_pending %u", rc, ev_pending(p), ev_upcalls[0] - before,
              vi->evtchn_upcall_pending);
  rc = ev_unmask(p);
  ktest_check("evtchnop-unmask-delivers",
              rc == 0 && !ev_masked(p) && ev_upcalls[0] == before + 1 && ev_port_count[p] == seen + 2,
              "unmask %d, masked %d, %u upcalls, port seen %u times", rc, ev_masked(p), ev_upcalls[0] - before,
              ev_port_count[p] - seen);
  rc = ev_unmask(p); /* not pending: nothing */
  ktest_check("unmask-idle-port", rc == 0 && ev_upcalls[0] == before + 1, "unmask %d, %u upcalls", rc,
              ev_upcalls[0] - before);
  ev_close(p);
}

static void check_loopback(void) {
  evtchn_port_t a, b;
  int rc = ev_alloc_unbound(DOMID_SELF, &a);
  if (!ktest_check("alloc-unbound", rc == 0 && a > 0, "rc %d port %u", rc, a)) return;
  struct evtchn_status st;
  rc = ev_status(a, &st);
  ktest_check("status-unbound", rc == 0 && st.status == EVTCHNSTAT_unbound && st.u.unbound.dom != DOMID_SELF,
              "rc %d status %u dom %u", rc, st.status, st.u.unbound.dom);
  domid_t self = st.u.unbound.dom;
  EV_CHECK_RC("send-unbound-dropped", ev_send(a), 0);

  ev_mask(0, 1); /* look at the flags without the callback taking them */
  rc = ev_bind_interdomain(DOMID_SELF, a, &b);
  ktest_check("bind-interdomain-loopback", rc == 0 && b != a && b > 0, "rc %d local %u remote %u", rc, b, a);
  ktest_check("bind-interdomain-raises-local", ev_pending(b), "the new local port %u is not pending", b);
  ev_clear_pending(b);
  rc = ev_send(b);
  ktest_check("send-reaches-other-end", rc == 0 && ev_pending(a) && !ev_pending(b), "rc %d pending a %d b %d", rc,
              ev_pending(a), ev_pending(b));
  rc = ev_status(b, &st);
  ktest_check("status-interdomain",
              rc == 0 && st.status == EVTCHNSTAT_interdomain && st.u.interdomain.dom == self &&
                  st.u.interdomain.port == a && st.vcpu == 0,
              "rc %d status %u dom %u port %u vcpu %u", rc, st.status, st.u.interdomain.dom,
              st.u.interdomain.port, st.vcpu);
  rc = ev_close(b);
  struct evtchn_status sa, sb;
  ev_status(a, &sa);
  ev_status(b, &sb);
  ktest_check("close-unbinds-far-end",
              rc == 0 && sa.status == EVTCHNSTAT_unbound && sa.u.unbound.dom == self && sb.status == EVTCHNSTAT_closed,
              "close %d, far end status %u, closed end status %u", rc, sa.status, sb.status);
  ev_clear_pending(a);
  ev_close(a);
  ev_mask(0, 0);
  struct evtchn_status sc;
  ev_status(a, &sc);
  KCHECK_EQ("closed-port-status", sc.status, EVTCHNSTAT_closed);
}

static void check_virq(void) {
  evtchn_port_t t, d, c;
  EV_CHECK_RC("bind-virq-timer", ev_bind_virq(VIRQ_TIMER, 0, &t), 0);
  EV_CHECK_RC("bind-virq-debug", ev_bind_virq(VIRQ_DEBUG, 0, &d), 0);
  EV_CHECK_RC("bind-virq-console", ev_bind_virq(VIRQ_CONSOLE, 0, &c), 0);
  struct evtchn_status st;
  int rc = ev_status(t, &st);
  ktest_check("status-virq", rc == 0 && st.status == EVTCHNSTAT_virq && st.u.virq == VIRQ_TIMER && st.vcpu == 0,
              "rc %d status %u virq %u vcpu %u", rc, st.status, st.u.virq, st.vcpu);
  EV_CHECK_RC("bind-virq-twice", ev_bind_virq(VIRQ_TIMER, 0, 0), -XEN_EEXIST);
  EV_CHECK_RC("bind-virq-out-of-range", ev_bind_virq(NR_VIRQS, 0, 0), -XEN_EINVAL);
  EV_CHECK_RC("bind-virq-no-vcpu", ev_bind_virq(VIRQ_DEBUG, 99, 0), -XEN_ENOENT);
  EV_CHECK_RC("send-on-virq", ev_send(t), -XEN_EINVAL);
  EV_CHECK_RC("bind-vcpu-per-vcpu-virq", ev_bind_vcpu(t, 0), -XEN_EINVAL);
  EV_CHECK_RC("bind-vcpu-global-virq", ev_bind_vcpu(c, 0), 0);
  EV_CHECK_RC("close-virq", ev_close(t), 0);
  EV_CHECK_RC("rebind-after-close", ev_bind_virq(VIRQ_TIMER, 0, &t), 0);
  ev_close(t);
  ev_close(d);
  ev_close(c);
}

static void check_errors(void) {
  EV_CHECK_RC("send-port-1024", ev_send(1024), -XEN_EINVAL);
  EV_CHECK_RC("send-port-huge", ev_send(0xffffffffu), -XEN_EINVAL);
  EV_CHECK_RC("send-free-port", ev_send(1000), -XEN_EINVAL);
  EV_CHECK_RC("close-port-0", ev_close(0), -XEN_EINVAL);
  EV_CHECK_RC("close-free-port", ev_close(1000), -XEN_EINVAL);
  EV_CHECK_RC("close-port-1024", ev_close(1024), -XEN_EINVAL);
  EV_CHECK_RC("unmask-port-1024", ev_unmask(1024), -XEN_EINVAL);
  EV_CHECK_RC("bind-ipi-no-vcpu", ev_bind_ipi(64, 0), -XEN_ENOENT);
  EV_CHECK_RC("bind-interdomain-free-port", ev_bind_interdomain(DOMID_SELF, 1000, 0), -XEN_EINVAL);
  EV_CHECK_RC("bind-interdomain-bad-port", ev_bind_interdomain(DOMID_SELF, 5000, 0), -XEN_EINVAL);
  EV_CHECK_RC("bind-interdomain-no-domain", ev_bind_interdomain(77, 1, 0), -XEN_ESRCH);
  EV_CHECK_RC("bind-interdomain-hosts-port", ev_bind_interdomain(DOMID_SELF, pv_start_info->console.domU.evtchn, 0),
            -XEN_EINVAL);
  struct evtchn_alloc_unbound au = {77, DOMID_SELF, 0};
  EV_CHECK_RC("alloc-unbound-other-domain", HYPERVISOR_event_channel_op(EVTCHNOP_alloc_unbound, &au), -XEN_EPERM);
  struct evtchn_status st = {77, 1, 0, 0, {{0}}};
  EV_CHECK_RC("status-other-domain", HYPERVISOR_event_channel_op(EVTCHNOP_status, &st), -XEN_EPERM);
  struct evtchn_reset rs = {77};
  EV_CHECK_RC("reset-other-domain", HYPERVISOR_event_channel_op(EVTCHNOP_reset, &rs), -XEN_EPERM);
  struct evtchn_init_control ic = {0, 0, 0, 0, {0}};
  EV_CHECK_RC("fifo-init-control", HYPERVISOR_event_channel_op(EVTCHNOP_init_control, &ic), -XEN_EINVAL);
  struct evtchn_expand_array ea = {0};
  EV_CHECK_RC("fifo-expand-array", HYPERVISOR_event_channel_op(EVTCHNOP_expand_array, &ea), -XEN_ENOSYS);
  EV_CHECK_RC("unknown-op", HYPERVISOR_event_channel_op(99, &ea), -XEN_ENOSYS);
  EV_CHECK_RC("efault-hypervisor-area", HYPERVISOR_event_channel_op(EVTCHNOP_send, (void*)HYPERVISOR_VIRT_START),
            -XEN_EFAULT);
  EV_CHECK_RC("efault-null", HYPERVISOR_event_channel_op(EVTCHNOP_send, 0), -XEN_EFAULT);
}

/* Output through the console ring: the back end consumes it and notifies. */
static void check_console_ring(void) {
  if (pv_start_info->flags & SIF_INITDOMAIN) {
    ktest_skip("console-ring", "the initial domain has no console ring");
    return;
  }
  struct xencons_interface* ring =
      (struct xencons_interface*)pv_pfn_to_va(pv_mfn_to_pfn((uint32_t)pv_start_info->console.domU.mfn));
  evtchn_port_t port = pv_start_info->console.domU.evtchn;
  struct evtchn_status st;
  int rc = ev_status(port, &st);
  ktest_check("console-port-connected", rc == 0 && st.status == EVTCHNSTAT_interdomain && st.u.interdomain.dom == 0,
              "rc %d status %u dom %u", rc, st.status, st.u.interdomain.dom);
  pv_console_flush();
  const char* msg = "  (events: this line went through the console ring)\n";
  XENCONS_RING_IDX prod = ring->out_prod;
  for (const char* s = msg; *s; ++s) ring->out[MASK_XENCONS_IDX(prod++, ring->out)] = *s;
  ev_barrier();
  ring->out_prod = prod;
  ev_mask(0, 1);
  ev_clear_pending(port);
  rc = ev_send(port);
  ktest_check("console-ring-drained", rc == 0 && ring->out_cons == prod, "send %d, out_cons %u out_prod %u", rc,
              ring->out_cons, prod);
  ktest_check("console-ring-notifies-back", ev_pending(port), "the console port is not pending after the drain");
  ev_clear_pending(port);
  ev_mask(0, 0);
}

static void check_reset(void) {
  evtchn_port_t p;
  ev_bind_ipi(0, &p);
  struct evtchn_reset rs = {DOMID_SELF};
  int rc = HYPERVISOR_event_channel_op(EVTCHNOP_reset, &rs);
  struct evtchn_status st;
  ev_status(p, &st);
  ktest_check("reset-closes-ports", rc == 0 && st.status == EVTCHNSTAT_closed, "reset %d, port %u status %u", rc, p,
              st.status);
}

int main(void) {
  kprintf("pv events: event channels, masked and unmasked delivery\n");
  if (!pv_shared_info) pv_panic("shared_info is not mapped (%d)", pv_shared_info_error);
  pv_traps_init();
  int rc = ev_init();
  if (!ktest_check("set-callbacks", rc == 0, "set_callbacks answered %d", rc)) ktest_finish();
  check_unmasked();
  check_masked();
  check_loopback();
  check_virq();
  check_errors();
  check_console_ring();
  check_reset(); /* last: it closes the console's port too */
  ktest_finish();
}
