// Event channels, two-level ABI: how an event travels from a sender to the guest's callback.
//
// State lives in two places. The hypervisor keeps each port's binding (Domain::evtchn: free,
// unbound, interdomain, VIRQ, IPI; the vcpu it notifies). The guest shares the rest:
//   shared_info.evtchn_pending[32], evtchn_mask[32]   one bit per port (1,024 ports)
//   vcpu_info.evtchn_pending_sel                      one bit per word of evtchn_pending
//   vcpu_info.evtchn_upcall_pending                   "look at your selector"
//   vcpu_info.evtchn_upcall_mask                      the guest's virtual interrupt flag
//
// The rules, in the order they apply:
//  1. Raising a port sets its pending bit. If the bit was already set, nothing else happens:
//     the guest has not consumed the earlier event yet.
//  2. If the port is not masked and its selector bit was clear, the selector bit is set on
//     the port's notify vcpu, then evtchn_upcall_pending. Setting upcall_pending wakes the
//     vcpu if it is blocked (SCHEDOP_block).
//  3. A masked port stops at rule 1: only the pending bit is set, and the guest finds it by
//     polling. EVTCHNOP_unmask clears the mask bit and, if the port is pending, applies rule 2
//     then, so nothing raised while masked is lost.
//  4. A vcpu polling ports (SCHEDOP_poll) wakes when one of them becomes pending, masked or not.
//  5. An upcall is taken when upcall_pending is set and upcall_mask is clear: at the next
//     instruction boundary, as an interrupt would be (the CPU asks Platform::irq_pending), the
//     hypervisor builds a bounce frame on the guest kernel's stack and runs the registered
//     event callback with upcall_mask set. The guest clears upcall_pending, then walks
//     the selector and pending words, and unmasks when it is done.
// The guest changes the shared words itself with locked instructions; vcpus are interleaved
// at instruction boundaries, so the hypervisor's plain reads and writes see whole updates.
#include "hyper/events.h"

#include <cstddef>
#include <cstring>

#include "hyper/hypervisor.h"
#include "hyper/schedule.h"
#include "hyper/traps.h"

namespace pvlab::hyper {

namespace {

constexpr size_t kPendingOff = offsetof(shared_info_x86_32_t, evtchn_pending);
constexpr size_t kMaskOff = offsetof(shared_info_x86_32_t, evtchn_mask);
constexpr size_t kUpcallPendingOff = offsetof(vcpu_info_x86_32_t, evtchn_upcall_pending);
constexpr size_t kUpcallMaskOff = offsetof(vcpu_info_x86_32_t, evtchn_upcall_mask);
constexpr size_t kPendingSelOff = offsetof(vcpu_info_x86_32_t, evtchn_pending_sel);

// Bit `n` of an array of little-endian 32-bit words at `p`.
bool test_bit(const uint8_t* p, uint32_t n) {
  uint32_t w;
  std::memcpy(&w, p + (n / 32) * 4, 4);
  return (w >> (n % 32)) & 1;
}
// Set bit `n`, returning its old value.
bool test_and_set_bit(uint8_t* p, uint32_t n) {
  uint32_t w;
  std::memcpy(&w, p + (n / 32) * 4, 4);
  const bool old = (w >> (n % 32)) & 1;
  w |= 1u << (n % 32);
  std::memcpy(p + (n / 32) * 4, &w, 4);
  return old;
}
bool test_and_clear_bit(uint8_t* p, uint32_t n) {
  uint32_t w;
  std::memcpy(&w, p + (n / 32) * 4, 4);
  const bool old = (w >> (n % 32)) & 1;
  w &= ~(1u << (n % 32));
  std::memcpy(p + (n / 32) * 4, &w, 4);
  return old;
}

// Rule 2: the selector bit and the upcall flag of the port's vcpu.
void mark_upcall(Hypervisor& hv, Vcpu& v, uint32_t port) {
  uint8_t* vi = vcpu_info_ptr(hv, v);
  if (test_and_set_bit(vi + kPendingSelOff, port / 32)) return;
  v.ev.upcall_hint = true;
  if (vi[kUpcallPendingOff]) return;
  vi[kUpcallPendingOff] = 1;
  if (v.blocked) vcpu_wake(hv, v);   // a poller wakes too: its poll ends with an upcall due
}

}  // namespace

// VIRQs raised per vcpu; the others are global and bound on one vcpu at a time.
bool virq_is_per_vcpu(unsigned virq) {
  return virq == VIRQ_TIMER || virq == VIRQ_DEBUG || virq == VIRQ_XENOPROF || virq == VIRQ_XENPMU;
}

uint32_t evtchn_alloc_port(Domain& d) {
  for (uint32_t p = 1; p < d.evtchn.ports.size(); ++p)
    if (d.evtchn.ports[p].state == PortState::Free) return p;
  return 0;
}

uint8_t* shared_info_ptr(Hypervisor& hv, Domain& d) { return hv.frame_ptr(d.shared_info_mfn); }

uint8_t* vcpu_info_ptr(Hypervisor& hv, Vcpu& v) {
  hv.mem().mark_dirty(v.vcpu_info_maddr >> kPageShift);   // written through, or may be
  return hv.mem().ptr(v.vcpu_info_maddr);
}

uint8_t vcpu_upcall_mask(Hypervisor& hv, Vcpu& v) { return vcpu_info_ptr(hv, v)[kUpcallMaskOff]; }

void set_vcpu_upcall_mask(Hypervisor& hv, Vcpu& v, uint8_t mask) {
  vcpu_info_ptr(hv, v)[kUpcallMaskOff] = mask;
  if (!mask) events_check_pending(hv, v);
}

bool vcpu_upcall_pending(Hypervisor& hv, Vcpu& v) { return vcpu_info_ptr(hv, v)[kUpcallPendingOff] != 0; }

void events_init_domain(Hypervisor& hv, Domain& d) {
  EventChannels& ec = d.evtchn;
  ec.ports.assign(EventChannels::kMaxPorts, EventChannel{});
  ec.host_notify.assign(EventChannels::kMaxPorts, nullptr);
  ec.ports[0].state = PortState::Reserved;
  // The console and xenstore pages' channels, offered to the host as Xen's toolstack offers
  // them to dom0 (alloc_unbound with the back end's domain as the remote end).
  auto offer = [&ec](uint32_t port) {
    ec.ports[port] = EventChannel{PortState::Unbound, 0, kHostDomid, 0, 0, false};
    return port;
  };
  // The initial domain has neither page, so no such channels: every port is its own.
  if (!d.initdomain) {
    d.xenstore_evtchn = offer(1);
    d.console_evtchn = offer(2);
  }
  (void)hv;
}

void evtchn_set_pending(Hypervisor& hv, Domain& d, uint32_t port) {
  if (port >= d.evtchn.ports.size()) return;
  const EventChannel& ch = d.evtchn.ports[port];
  uint8_t* sh = shared_info_ptr(hv, d);
  const bool was_pending = test_and_set_bit(sh + kPendingOff, port);
  const bool masked = test_bit(sh + kMaskOff, port);
  const bool upcall = !was_pending && ch.notify_vcpu < d.vcpus.size() && !masked;
  if (hv.trace_sink()) {
    TraceEvent t(hv.trace_cycle(), hv.trace_vcpu(), "evtchn", "evtchn " + std::to_string(port));
    t.num("port", port).num("notify_vcpu", ch.notify_vcpu).flag("masked", masked);
    if (ch.notify_vcpu < d.vcpus.size())
      t.flag("upcall_masked", vcpu_info_ptr(hv, d.vcpu(ch.notify_vcpu))[kUpcallMaskOff] != 0);
    t.flag("already_pending", was_pending).flag("upcall", upcall);
    hv.trace(std::move(t));
  }
  if (was_pending) return;                                                       // rule 1
  if (upcall)                                                                    // rule 2
    mark_upcall(hv, d.vcpu(ch.notify_vcpu), port);
  for (auto& vp : d.vcpus) {                                                     // rule 4
    Vcpu& v = *vp;
    if (!v.ev.polling) continue;
    bool wanted = v.ev.poll_ports.empty();
    for (uint32_t p : v.ev.poll_ports) wanted |= p == port;
    if (wanted) vcpu_wake(hv, v);
  }
}

void evtchn_unmask(Hypervisor& hv, Domain& d, uint32_t port) {   // rule 3
  if (port >= d.evtchn.ports.size()) return;
  uint8_t* sh = shared_info_ptr(hv, d);
  const uint16_t vcpu = d.evtchn.ports[port].notify_vcpu;
  if (test_and_clear_bit(sh + kMaskOff, port) && test_bit(sh + kPendingOff, port) && vcpu < d.vcpus.size())
    mark_upcall(hv, d.vcpu(vcpu), port);
}

bool evtchn_is_pending(Hypervisor& hv, Domain& d, uint32_t port) {
  return port < EventChannels::kMaxPorts && test_bit(shared_info_ptr(hv, d) + kPendingOff, port);
}

bool send_virq(Hypervisor& hv, Vcpu& v, unsigned virq) {
  if (virq >= NR_VIRQS) return false;
  const uint32_t port = v.ev.virq_port[virq];
  if (!port) return false;
  Domain& d = hv.domain();
  evtchn_set_pending(hv, d, port);
  return true;
}

bool send_global_virq(Hypervisor& hv, Domain& d, unsigned virq) {
  if (virq >= NR_VIRQS || virq_is_per_vcpu(virq)) return false;
  // A global VIRQ is bound through vcpu 0's table; EVTCHNOP_bind_vcpu may move its delivery.
  return !d.vcpus.empty() && send_virq(hv, d.vcpu(0), virq);
}

bool events_upcall_ready(Hypervisor& hv, Vcpu& v) {
  const uint8_t* vi = vcpu_info_ptr(hv, v);
  if (!vi[kUpcallPendingOff]) {
    v.ev.upcall_hint = false;
    return false;
  }
  return !vi[kUpcallMaskOff] && v.event_callback.set();
}

void events_upcall(Hypervisor& hv, Vcpu& v) {
  if (!events_upcall_ready(hv, v)) return;
  if (FILE* log = hv.event_log())
    std::fprintf(log, "pvlab: [cycle %llu] vcpu %u event upcall to %04x:%08x\n",
                 (unsigned long long)v.cpu->s.cycles, v.id, v.event_callback.cs, v.event_callback.eip);
  if (!bounce_to_callback(hv, v, v.event_callback.cs, v.event_callback.eip)) {
    hv.crash(v, "the event callback's bounce frame could not be written");
    return;
  }
  if (DebugHooks* h = hv.debug_hooks()) {
    UpcallNote n;
    n.vcpu = v.id;
    n.cs = v.event_callback.cs;
    n.eip = v.event_callback.eip;
    const uint8_t* vi = vcpu_info_ptr(hv, v);
    const uint8_t* sh = shared_info_ptr(hv, hv.domain());
    for (uint32_t port = 0; port < hv.domain().evtchn.ports.size(); ++port)
      if (test_bit(vi + kPendingSelOff, port / 32) && test_bit(sh + kPendingOff, port) &&
          !test_bit(sh + kMaskOff, port))
        n.ports.push_back(port);
    h->upcall(v, n);
  }
}

void events_check_pending(Hypervisor& hv, Vcpu& v) {
  if (vcpu_info_ptr(hv, v)[kUpcallPendingOff]) v.ev.upcall_hint = true;
}

void evtchn_reset(Hypervisor& hv, Domain& d) {
  for (uint32_t p = 0; p < d.evtchn.ports.size(); ++p) {
    const PortState s = d.evtchn.ports[p].state;
    if (s != PortState::Free && s != PortState::Reserved) evtchn_close_port(hv, d, p);
  }
}

// Undo a port's binding (EVTCHNOP_close, reset): the far end of an interdomain channel goes
// back to unbound, waiting for this domain again; the port's pending bit is cleared so a new
// binding starts clean.
void evtchn_close_port(Hypervisor& hv, Domain& d, uint32_t port) {
  EventChannels& ec = d.evtchn;
  EventChannel& ch = ec.ports[port];
  switch (ch.state) {
    case PortState::Virq:
      for (auto& vp : d.vcpus)
        if (ch.virq < NR_VIRQS && vp->ev.virq_port[ch.virq] == port) vp->ev.virq_port[ch.virq] = 0;
      break;
    case PortState::Interdomain:
      if (ch.host) {
        ec.host_notify[port] = nullptr;
      } else if (ch.remote_port < ec.ports.size() && ch.remote_port != port) {
        EventChannel& r = ec.ports[ch.remote_port];
        r.state = PortState::Unbound;
        r.remote_dom = d.id;
        r.remote_port = 0;
      }
      break;
    default: break;
  }
  test_and_clear_bit(shared_info_ptr(hv, d) + kPendingOff, port);
  ch = EventChannel{};
}

bool evtchn_connect_host(Hypervisor& hv, Domain& d, uint32_t port, std::function<void()> notify,
                         std::string* why) {
  (void)hv;
  if (port == 0 || port >= d.evtchn.ports.size()) {
    if (why) *why = "no such port";
    return false;
  }
  EventChannel& ch = d.evtchn.ports[port];
  if (ch.state != PortState::Unbound || ch.remote_dom != kHostDomid) {
    if (why) *why = "the port is not offered to the host";
    return false;
  }
  ch.state = PortState::Interdomain;
  ch.host = true;
  ch.remote_port = 0;
  d.evtchn.host_notify[port] = std::move(notify);
  return true;
}

void evtchn_notify_guest(Hypervisor& hv, Domain& d, uint32_t port) {
  if (port >= d.evtchn.ports.size()) return;
  const EventChannel& ch = d.evtchn.ports[port];
  if (ch.state == PortState::Interdomain && ch.host) evtchn_set_pending(hv, d, port);
}

}  // namespace pvlab::hyper
