// Virtual time: Xen system time (nanoseconds since the domain's cycle 0) derived from the
// cycle counter that RDTSC reads, the vcpu_time_info and wallclock a guest reads it through,
// and the one-shot / periodic timers that raise VIRQ_TIMER at cycle deadlines (time.cpp).
#pragma once
#include <cstdint>

#include "hyper/hypercalls.h"

namespace pvlab::hyper {

class Hypervisor;
struct Domain;
struct Vcpu;

// Xen's scaling of a TSC delta to nanoseconds:
//   ns = ((delta << shift) * mul) >> 32    (delta >> -shift when shift is negative)
struct TimeScale {
  uint32_t mul = 0;
  int8_t shift = 0;
};
TimeScale time_scale(uint64_t hz);
uint64_t scale_delta(const TimeScale& s, uint64_t delta);
// The first cycle whose system time is at least `ns`.
uint64_t ns_to_cycles(const TimeScale& s, uint64_t hz, uint64_t ns);

// System time of a vcpu (its cycle counter scaled) and of a cycle count.
uint64_t system_time_ns(Hypervisor& hv, uint64_t cycles);
uint64_t vcpu_system_time(Hypervisor& hv, Vcpu& v);

// Publish the wallclock in shared_info and every vcpu's vcpu_time_info (domain build).
void time_init_domain(Hypervisor& hv, Domain& d);
// Rewrite the vcpu's vcpu_time_info from its cycle counter: version odd while the fields
// change, even again after.
void time_update_vcpu(Hypervisor& hv, Vcpu& v);

// The vcpu's next timer or poll deadline (cycles), 0 when none.
uint64_t vcpu_next_deadline(const Vcpu& v);
// Fire the vcpu's timers due at `now` (VIRQ_TIMER) and end a poll whose timeout passed.
void vcpu_fire_timers(Hypervisor& hv, Vcpu& v, uint64_t now);
// VCPUOP_set_periodic_timer / stop_periodic_timer / set_singleshot_timer /
// stop_singleshot_timer on `target` (vcpu.cpp dispatches them here).
int32_t vcpu_timer_op(HypercallCtx& c, unsigned cmd, Vcpu& target, uint32_t va);
void register_time_hypercalls(HypercallTable& t);   // set_timer_op

}  // namespace pvlab::hyper
