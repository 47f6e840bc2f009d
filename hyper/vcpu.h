// Virtual CPUs: HYPERVISOR_vcpu_op (initialise a vcpu from a guest context, bring it up or
// down, its runstate, moving its vcpu_info, its timers) and the processor state every PV vcpu
// runs in (vcpu.cpp).
#pragma once
#include <cstdint>

#include "hyper/hypercalls.h"

namespace pvlab::hyper {

class Hypervisor;
struct Vcpu;

// Put the vcpu's CPU in the mode a PV kernel runs in: protected mode with PAE paging, CR0.WP,
// NX, the vcpu's GDT loaded, EFLAGS.IF set. CR3 and the segments come after.
void vcpu_enter_pv_mode(Hypervisor& hv, Vcpu& v);

void register_vcpu_hypercalls(HypercallTable& t);   // vcpu_op

}  // namespace pvlab::hyper
