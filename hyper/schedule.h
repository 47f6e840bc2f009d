// Scheduling: the domain's vcpus interleaved in fixed instruction quanta, blocking and
// polling, time jumps while every vcpu waits, the runstate, and the console's input side
// (CONSOLEIO_read for the initial domain). sched_op and console_io hand over to it.
#pragma once
#include <cstdint>
#include <optional>
#include <string>

#include "hyper/hypercalls.h"

namespace pvlab::hyper {

struct PvRunResult;

// Instructions a vcpu runs before the next one takes its turn.
constexpr uint64_t kSchedQuantum = 20'000;

int32_t sched_block(HypercallCtx& c);                      // SCHEDOP_block
int32_t sched_poll(HypercallCtx& c, uint32_t poll_va);     // SCHEDOP_poll
int32_t console_read(HypercallCtx& c, uint32_t va, uint32_t count);   // CONSOLEIO_read
// Input for the initial domain's console (read with CONSOLEIO_read): kept, and VIRQ_CONSOLE
// raised.
void console_feed(Hypervisor& hv, Domain& d, const std::string& bytes);

// Run the domain until it shuts down, a CPU stops, every vcpu waits with nothing that could
// wake it (StopReason::Idle), or `max_insns` instructions (0: no limit) ran in all.
PvRunResult sched_run(Hypervisor& hv, uint64_t max_insns);
// Runstates at build time: vcpu 0 running, the others offline.
void sched_init_domain(Hypervisor& hv, Domain& d);

// Wake a blocked or polling vcpu: it runs again from its next turn, its clock brought up to
// the time of the wake-up.
void vcpu_wake(Hypervisor& hv, Vcpu& v);
// Record a runstate change (RUNSTATE_*) and update the registered runstate area.
void vcpu_set_runstate(Hypervisor& hv, Vcpu& v, uint32_t state);
// The running CPU's deadline: the earliest timer of its own vcpu or of a blocked one, or the
// next host-device event. Call after changing any of them.
void sched_program_deadline(Hypervisor& hv);
// The time the hypervisor acts at: the running vcpu's cycle counter, or while every vcpu
// waits, the cycle time jumped to.
uint64_t sched_now(Hypervisor& hv);
// Ask the running vcpu to give up the CPU at once (it went down, or SCHEDOP_yield): its
// quantum ends and the next runnable vcpu in order takes its turn.
void sched_yield_now(Hypervisor& hv);

// Platform hooks (Hypervisor::idle / deadline).
bool sched_idle(Hypervisor& hv, Vcpu& v);
void sched_deadline(Hypervisor& hv, Vcpu& v);

}  // namespace pvlab::hyper
