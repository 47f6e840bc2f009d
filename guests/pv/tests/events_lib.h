/* Event-channel helpers shared by pvlab's events, time and vcpus test kernels: the event
   callback (an entry per vcpu that walks the two-level pending words the way Xen guests do
   and counts what it found), event-channel wrappers returning the hypervisor's answer, and
   the guest's view of Xen system time (vcpu_time_info and RDTSC). */
#ifndef PVLAB_PV_TESTS_EVENTS_LIB_H
#define PVLAB_PV_TESTS_EVENTS_LIB_H
#include "pv.h"

#define EV_MAX_VCPUS 4

/* Filled by the callback: upcalls per vcpu, events per port, the vcpu that took each port's
   last event. */
extern volatile uint32_t ev_upcalls[EV_MAX_VCPUS];
extern volatile uint32_t ev_port_count[1024];
extern volatile uint32_t ev_port_vcpu[1024];
/* The system time the callback saw each port's last event at (on the vcpu that took it). */
extern volatile uint64_t ev_port_time[1024];

/* Check that `expr` (evaluated once) equals `want`, printing both as signed numbers. */
#define EV_CHECK_RC(name, expr, want)                                                        \
  do {                                                                                       \
    int ev_rc_ = (int)(expr);                                                                \
    ktest_check((name), ev_rc_ == (int)(want), "%s = %d, expected %d", #expr, ev_rc_, (int)(want)); \
  } while (0)

/* Register the callback (HYPERVISOR_set_callbacks) for the calling vcpu 0. Returns its answer. */
int ev_init(void);
/* The callback's entry for vcpu `v` (for VCPUOP_initialise's context). */
uint32_t ev_entry(unsigned v);

/* vcpu_info of vcpu v in shared_info (or where ev_vcpu_info_at says it moved). */
volatile struct vcpu_info* ev_vcpu_info(unsigned v);
void ev_vcpu_info_at(unsigned v, volatile struct vcpu_info* vi);
/* The upcall mask: ev_mask(v, 1) masks events, ev_mask(v, 0) unmasks. */
void ev_mask(unsigned v, int masked);

/* Event-channel operations: 0 or a negative Xen error; the port through *port. */
int ev_alloc_unbound(domid_t remote, evtchn_port_t* port);
int ev_bind_interdomain(domid_t remote, evtchn_port_t remote_port, evtchn_port_t* port);
int ev_bind_virq(uint32_t virq, uint32_t vcpu, evtchn_port_t* port);
int ev_bind_ipi(uint32_t vcpu, evtchn_port_t* port);
int ev_send(evtchn_port_t port);
int ev_close(evtchn_port_t port);
int ev_unmask(evtchn_port_t port);
int ev_bind_vcpu(evtchn_port_t port, uint32_t vcpu);
int ev_status(evtchn_port_t port, struct evtchn_status* st);
/* The shared pending and mask bits of a port; set or clear them as a guest does. */
int ev_pending(evtchn_port_t port);
int ev_masked(evtchn_port_t port);
void ev_set_mask(evtchn_port_t port, int masked);
void ev_clear_pending(evtchn_port_t port);

/* Time: RDTSC and Xen system time of vcpu v, computed from its vcpu_info as guests do. */
uint64_t ev_rdtsc(void);
uint64_t ev_system_time(unsigned v);
/* The TSC delta for ns nanoseconds (inverse of the vcpu's scale, rounded up). */
uint64_t ev_ns_to_tsc(unsigned v, uint64_t ns);
/* Set the single-shot timer to now + ns (set_timer_op). */
int ev_timer_in(uint64_t ns);
/* SCHEDOP_block / SCHEDOP_poll wrappers. */
int ev_block(void);
int ev_poll(evtchn_port_t* ports, unsigned n, uint64_t timeout);

/* Atomics used on the shared words. */
static inline uint32_t ev_xchg(volatile uint32_t* p, uint32_t v) { return __atomic_exchange_n(p, v, __ATOMIC_SEQ_CST); }
static inline void ev_barrier(void) { __atomic_thread_fence(__ATOMIC_SEQ_CST); }

#endif
