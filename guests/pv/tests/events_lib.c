/* Event-channel helpers of the events, time and vcpus test kernels (see events_lib.h). */
#include "events_lib.h"

volatile uint32_t ev_upcalls[EV_MAX_VCPUS];
volatile uint32_t ev_port_count[1024];
volatile uint32_t ev_port_vcpu[1024];
volatile uint64_t ev_port_time[1024];

static volatile struct vcpu_info* moved[EV_MAX_VCPUS];

/* The callback: one entry per vcpu pushes its number; the common part saves what the
   interrupted code had (as the trap entry does), walks the pending words and returns through
   HYPERVISOR_iret, which restores the event mask from the frame's EFLAGS.IF. */
__asm__(".text\n"
        ".balign 16\n"
        ".globl ev_entry0, ev_entry1, ev_entry2, ev_entry3\n"
        "ev_entry0: pushl $0\n jmp ev_common\n"
        "ev_entry1: pushl $1\n jmp ev_common\n"
        "ev_entry2: pushl $2\n jmp ev_common\n"
        "ev_entry3: pushl $3\n jmp ev_common\n"
        "ev_common:\n"
        "  pushl %ds\n pushl %es\n pushl %fs\n pushl %gs\n"
        "  pushal\n"
        "  cld\n"
        "  movl $0xe021, %eax\n movl %eax, %ds\n movl %eax, %es\n"
        "  movl 48(%esp), %eax\n" /* the vcpu: above 8 registers and 4 segments */
        "  pushl %eax\n"
        "  call ev_dispatch\n"
        "  addl $4, %esp\n"
        "  popal\n"
        "  popl %gs\n popl %fs\n popl %es\n popl %ds\n"
        "  addl $4, %esp\n"
        "  jmp hypercall_page + 23 * 32\n");
extern char ev_entry0[], ev_entry1[], ev_entry2[], ev_entry3[];

uint32_t ev_entry(unsigned v) {
  static char* const entries[EV_MAX_VCPUS] = {ev_entry0, ev_entry1, ev_entry2, ev_entry3};
  return (uint32_t)(uintptr_t)entries[v % EV_MAX_VCPUS];
}

volatile struct vcpu_info* ev_vcpu_info(unsigned v) {
  if (v < EV_MAX_VCPUS && moved[v]) return moved[v];
  return &pv_shared_info->vcpu_info[v];
}

void ev_vcpu_info_at(unsigned v, volatile struct vcpu_info* vi) {
  if (v < EV_MAX_VCPUS) moved[v] = vi;
}

void ev_mask(unsigned v, int masked) {
  ev_barrier();
  ev_vcpu_info(v)->evtchn_upcall_mask = (uint8_t)(masked != 0);
  ev_barrier();
}

void ev_dispatch(uint32_t v);
void ev_dispatch(uint32_t v) {
  volatile struct vcpu_info* vi = ev_vcpu_info(v);
  volatile shared_info_t* sh = pv_shared_info;
  if (v < EV_MAX_VCPUS) ++ev_upcalls[v];
  vi->evtchn_upcall_pending = 0;
  ev_barrier();
  uint32_t sel = ev_xchg((volatile uint32_t*)&vi->evtchn_pending_sel, 0);
  while (sel) {
    unsigned w = (unsigned)__builtin_ctz(sel);
    sel &= sel - 1;
    uint32_t bits = (uint32_t)(sh->evtchn_pending[w] & ~sh->evtchn_mask[w]);
    while (bits) {
      unsigned b = (unsigned)__builtin_ctz(bits);
      bits &= bits - 1;
      __atomic_fetch_and((volatile uint32_t*)&sh->evtchn_pending[w], ~(1u << b), __ATOMIC_SEQ_CST);
      unsigned port = w * 32 + b;
      ev_port_time[port] = ev_system_time(v);
      ev_port_vcpu[port] = v;
      ++ev_port_count[port];
    }
  }
}

int ev_init(void) { return HYPERVISOR_set_callbacks(FLAT_KERNEL_CS, ev_entry(0), FLAT_KERNEL_CS, ev_entry(0)); }

/* ---- event-channel operations ---- */
int ev_alloc_unbound(domid_t remote, evtchn_port_t* port) {
  struct evtchn_alloc_unbound op = {DOMID_SELF, remote, 0};
  int rc = HYPERVISOR_event_channel_op(EVTCHNOP_alloc_unbound, &op);
  if (port) *port = op.port;
  return rc;
}

int ev_bind_interdomain(domid_t remote, evtchn_port_t remote_port, evtchn_port_t* port) {
  struct evtchn_bind_interdomain op = {remote, remote_port, 0};
  int rc = HYPERVISOR_event_channel_op(EVTCHNOP_bind_interdomain, &op);
  if (port) *port = op.local_port;
  return rc;
}

int ev_bind_virq(uint32_t virq, uint32_t vcpu, evtchn_port_t* port) {
  struct evtchn_bind_virq op = {virq, vcpu, 0};
  int rc = HYPERVISOR_event_channel_op(EVTCHNOP_bind_virq, &op);
  if (port) *port = op.port;
  return rc;
}

int ev_bind_ipi(uint32_t vcpu, evtchn_port_t* port) {
  struct evtchn_bind_ipi op = {vcpu, 0};
  int rc = HYPERVISOR_event_channel_op(EVTCHNOP_bind_ipi, &op);
  if (port) *port = op.port;
  return rc;
}

int ev_send(evtchn_port_t port) {
  struct evtchn_send op = {port};
  return HYPERVISOR_event_channel_op(EVTCHNOP_send, &op);
}

int ev_close(evtchn_port_t port) {
  struct evtchn_close op = {port};
  return HYPERVISOR_event_channel_op(EVTCHNOP_close, &op);
}

int ev_unmask(evtchn_port_t port) {
  struct evtchn_unmask op = {port};
  return HYPERVISOR_event_channel_op(EVTCHNOP_unmask, &op);
}

int ev_bind_vcpu(evtchn_port_t port, uint32_t vcpu) {
  struct evtchn_bind_vcpu op = {port, vcpu};
  return HYPERVISOR_event_channel_op(EVTCHNOP_bind_vcpu, &op);
}

int ev_status(evtchn_port_t port, struct evtchn_status* st) {
  st->dom = DOMID_SELF;
  st->port = port;
  return HYPERVISOR_event_channel_op(EVTCHNOP_status, st);
}

int ev_pending(evtchn_port_t port) { return (int)((pv_shared_info->evtchn_pending[port / 32] >> (port % 32)) & 1); }
int ev_masked(evtchn_port_t port) { return (int)((pv_shared_info->evtchn_mask[port / 32] >> (port % 32)) & 1); }

void ev_set_mask(evtchn_port_t port, int masked) {
  volatile uint32_t* w = (volatile uint32_t*)&pv_shared_info->evtchn_mask[port / 32];
  if (masked) __atomic_fetch_or(w, 1u << (port % 32), __ATOMIC_SEQ_CST);
  else __atomic_fetch_and(w, ~(1u << (port % 32)), __ATOMIC_SEQ_CST);
}

void ev_clear_pending(evtchn_port_t port) {
  __atomic_fetch_and((volatile uint32_t*)&pv_shared_info->evtchn_pending[port / 32], ~(1u << (port % 32)),
                     __ATOMIC_SEQ_CST);
}

/* ---- time ---- */
uint64_t ev_rdtsc(void) {
  uint32_t lo, hi;
  __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
  return (uint64_t)hi << 32 | lo;
}

/* (delta << shift) * mul >> 32 with a 96-bit product, as pvclock readers compute it. */
static uint64_t scale(uint64_t delta, uint32_t mul, int8_t shift) {
  if (shift >= 0) delta <<= shift;
  else delta >>= -shift;
  uint64_t lo = ((uint64_t)(uint32_t)delta * mul) >> 32;
  uint64_t hi = (delta >> 32) * mul;
  return hi + lo;
}

uint64_t ev_system_time(unsigned v) {
  volatile struct vcpu_time_info* t = &ev_vcpu_info(v)->time;
  uint32_t version;
  uint64_t stamp, sys, tsc;
  uint32_t mul;
  int8_t shift;
  do {
    version = t->version;
    ev_barrier();
    stamp = t->tsc_timestamp;
    sys = t->system_time;
    mul = t->tsc_to_system_mul;
    shift = t->tsc_shift;
    tsc = ev_rdtsc();
    ev_barrier();
  } while ((version & 1) || version != t->version);
  return sys + scale(tsc - stamp, mul, shift);
}

uint64_t ev_ns_to_tsc(unsigned v, uint64_t ns) {
  volatile struct vcpu_time_info* t = &ev_vcpu_info(v)->time;
  uint32_t mul = t->tsc_to_system_mul;
  int8_t shift = t->tsc_shift;
  if (!mul) return 0;
  uint64_t d = kdivu64((ns << 32) + mul - 1, mul); /* ns below 2^32 */
  if (shift > 0) d = (d + (1u << shift) - 1) >> shift;
  else d <<= -shift;
  return d;
}

int ev_timer_in(uint64_t ns) { return HYPERVISOR_set_timer_op(ev_system_time(0) + ns); }

int ev_block(void) { return HYPERVISOR_sched_op(SCHEDOP_block, 0); }

int ev_poll(evtchn_port_t* ports, unsigned n, uint64_t timeout) {
  struct sched_poll p;
  set_xen_guest_handle(p.ports, ports);
  p.nr_ports = n;
  p.timeout = timeout;
  return HYPERVISOR_sched_op(SCHEDOP_poll, &p);
}
