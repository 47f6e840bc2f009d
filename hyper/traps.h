// Virtual traps: exceptions and interrupts bounced to the guest kernel through its virtual
// trap table with Xen's frame, event upcalls, and the emulation of privileged instructions
// a ring-1 kernel may use.
#pragma once
#include "cpu/platform.h"

namespace pvlab::hyper {

class Hypervisor;
struct Vcpu;

// Deliver an event the CPU raised while the guest ran (everything but a ring-1 hypercall).
// Returns false when it cannot be delivered (the caller crashes the domain).
bool deliver_guest_event(Hypervisor& hv, Vcpu& v, const Event& e);

}  // namespace pvlab::hyper
