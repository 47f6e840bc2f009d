// Event channels (the two-level ABI in shared_info) and the upcalls they raise: the rules in
// events.cpp, the EVTCHNOP_* hypercalls in events_ops.cpp. Host back ends (devices/xen/) use
// the host half below: they take the far end of a domain's channel and are told when the
// guest notifies it.
#pragma once
#include <cstdint>
#include <functional>
#include <string>

#include "hyper/events_state.h"

namespace pvlab::hyper {

class Hypervisor;
struct Domain;
struct Vcpu;

// ---- shared memory ---------------------------------------------------------------------------
// Host pointers to the domain's shared_info and to the vcpu's vcpu_info (wherever
// VCPUOP_register_vcpu_info put it). Fields at the offsets of shared_info_x86_32_t /
// vcpu_info_x86_32_t.
uint8_t* shared_info_ptr(Hypervisor& hv, Domain& d);
uint8_t* vcpu_info_ptr(Hypervisor& hv, Vcpu& v);
uint8_t vcpu_upcall_mask(Hypervisor& hv, Vcpu& v);
void set_vcpu_upcall_mask(Hypervisor& hv, Vcpu& v, uint8_t mask);
bool vcpu_upcall_pending(Hypervisor& hv, Vcpu& v);

// The vector the hypervisor acknowledges an upcall with (Platform::irq_ack); it never reaches
// the guest, which sees its event callback run.
constexpr uint8_t kEventUpcallVector = 0xf3;

// ---- the rules -------------------------------------------------------------------------------
// Set up the domain's channels at build time: port 0 reserved, then the console and xenstore
// ports, unbound and offered to the host (Domain::console_evtchn / xenstore_evtchn).
void events_init_domain(Hypervisor& hv, Domain& d);
// Mark `port` pending (the two-level rules: pending bit, then unless masked the vcpu's
// selector bit and upcall flag, and a wake-up of the vcpu that waits for it).
void evtchn_set_pending(Hypervisor& hv, Domain& d, uint32_t port);
// Raise a per-vcpu VIRQ (VIRQ_TIMER, VIRQ_DEBUG) on `v`, or a global one (VIRQ_CONSOLE) on
// whichever vcpu bound it. False when nothing is bound to it.
bool send_virq(Hypervisor& hv, Vcpu& v, unsigned virq);
bool send_global_virq(Hypervisor& hv, Domain& d, unsigned virq);
// Whether the vcpu has an upcall to take now: evtchn_upcall_pending set, the upcall mask
// clear and an event callback registered.
bool events_upcall_ready(Hypervisor& hv, Vcpu& v);
// Run the event callback through a bounce frame (the CPU acknowledged the upcall as an
// interrupt at an instruction boundary). Crashes the domain when the frame cannot be built.
void events_upcall(Hypervisor& hv, Vcpu& v);
// Look again at the vcpu's vcpu_info after something may have unmasked events (HYPERVISOR_iret,
// a callback registration, VCPUOP_register_vcpu_info): a pending upcall is then taken at the
// next instruction boundary.
void events_check_pending(Hypervisor& hv, Vcpu& v);
// The lowest free port, or 0 when all are in use.
uint32_t evtchn_alloc_port(Domain& d);
// Undo a port's binding (EVTCHNOP_close): the port becomes free and not pending.
void evtchn_close_port(Hypervisor& hv, Domain& d, uint32_t port);
// Close every port of the domain except the reserved ones (EVTCHNOP_reset).
void evtchn_reset(Hypervisor& hv, Domain& d);
// Whether a VIRQ is raised per vcpu (VIRQ_TIMER, VIRQ_DEBUG, ...) rather than once per domain.
bool virq_is_per_vcpu(unsigned virq);
// EVTCHNOP_unmask: clear the mask bit; a port that became pending meanwhile is delivered now.
void evtchn_unmask(Hypervisor& hv, Domain& d, uint32_t port);
// Whether `port` of `d` is pending (SCHEDOP_poll).
bool evtchn_is_pending(Hypervisor& hv, Domain& d, uint32_t port);

// ---- the host half ---------------------------------------------------------------------------
// Connect a host back end to `port`, an unbound port offered to the host: the port becomes
// interdomain and `notify` runs whenever the guest sends on it. False (with `why`) otherwise.
bool evtchn_connect_host(Hypervisor& hv, Domain& d, uint32_t port, std::function<void()> notify,
                         std::string* why = nullptr);
// The host end sends: the guest's port becomes pending.
void evtchn_notify_guest(Hypervisor& hv, Domain& d, uint32_t port);

// Something on the host side with work due at a cycle (console input): the run loop asks for
// the next cycle before it lets time jump, and runs what is due between vcpu quanta.
class HostDevice {
 public:
  virtual ~HostDevice() = default;
  static constexpr uint64_t kNever = ~0ull;
  virtual uint64_t next_event() const = 0;   // the first cycle with work, kNever when none
  virtual void run_due(uint64_t now) = 0;
};

}  // namespace pvlab::hyper
