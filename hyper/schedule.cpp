// Scheduling a domain's vcpus, deterministically.
//
// Each vcpu has its own CPU and cycle counter. The run loop gives the runnable vcpus (online,
// not blocked) turns of kSchedQuantum instructions in vcpu order; where it is in the round is
// domain state, so slicing a run differently changes nothing. A vcpu blocks with SCHEDOP_block
// or SCHEDOP_poll (its CPU halts) and is skipped until an event, a timer or a poll timeout
// wakes it; its clock then jumps to the waker's time, so time never runs backwards for it.
//
// Timers are cycle deadlines. The running CPU stops at the earliest one that concerns it: its
// own vcpu's, a blocked vcpu's (nobody else's clock would reach it), or a host device's (console
// input). When every vcpu is blocked, time jumps to the earliest such deadline; when there is
// none, the run ends as idle (StopReason::Idle), which the front end answers by waiting for
// input.
#include "hyper/schedule.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include "hyper/abi32.h"
#include "hyper/events.h"
#include "hyper/guest_access.h"
#include "hyper/hypervisor.h"
#include "hyper/time.h"

namespace pvlab::hyper {

namespace {

bool runnable(const Vcpu& v) { return v.online && !v.blocked; }

// Whose timers the running vcpu's clock answers for: its own and the blocked vcpus'.
bool timed_by_running(const Vcpu& w, const Vcpu* running) {
  return w.online && (&w == running || w.blocked);
}

uint64_t next_deadline(Hypervisor& hv, const Vcpu* running) {
  uint64_t d = HostDevice::kNever;
  for (auto& wp : hv.domain().vcpus) {
    if (!timed_by_running(*wp, running)) continue;
    const uint64_t n = vcpu_next_deadline(*wp);
    if (n && n < d) d = n;
  }
  for (HostDevice* h : hv.host_devices()) d = std::min(d, h->next_event());
  return d;
}

void fire_due(Hypervisor& hv, uint64_t now, Vcpu* running) {
  for (auto& wp : hv.domain().vcpus)
    if (timed_by_running(*wp, running)) vcpu_fire_timers(hv, *wp, now);
  for (HostDevice* h : hv.host_devices())
    if (h->next_event() <= now) h->run_due(now);
}

void write_runstate_area(Hypervisor& hv, Vcpu& v) {
  if (!v.ev.runstate_area_va) return;
  abi32::vcpu_runstate_info r{};
  r.state = int32_t(v.ev.runstate);
  r.state_entry_time = v.ev.runstate_entry;
  for (unsigned i = 0; i < 4; ++i) r.time[i] = v.ev.runstate_time[i];
  put_guest(hv, v, v.ev.runstate_area_va, r);   // an area that went away is skipped, as in Xen
}

void block(Hypervisor& hv, Vcpu& v) {
  v.blocked = true;
  v.cpu->s.halted = 1;
  v.cpu->end_block();
  vcpu_set_runstate(hv, v, RUNSTATE_blocked);
  sched_program_deadline(hv);
}

}  // namespace

uint64_t sched_now(Hypervisor& hv) {
  if (Vcpu* cur = hv.current_vcpu()) return cur->cpu->s.cycles;
  return hv.domain().sched.idle_clock;
}

void sched_program_deadline(Hypervisor& hv) {
  if (Vcpu* cur = hv.current_vcpu()) cur->cpu->set_deadline(next_deadline(hv, cur));
}

void sched_yield_now(Hypervisor& hv) {
  if (Vcpu* cur = hv.current_vcpu()) {
    hv.domain().sched.resched = true;
    // A stop already asked for (a debugger's catch of this very hypercall) stays: the run
    // loop ends the turn when it takes it.
    if (cur->cpu->pending_stop() == StopReason::None) cur->cpu->request_stop(StopReason::Requested);
  }
}

void vcpu_set_runstate(Hypervisor& hv, Vcpu& v, uint32_t state) {
  VcpuEvents& e = v.ev;
  if (e.runstate == state) return;
  const uint64_t now = vcpu_system_time(hv, v);
  if (e.runstate < 4 && now > e.runstate_entry) e.runstate_time[e.runstate] += now - e.runstate_entry;
  e.runstate = state;
  e.runstate_entry = now;
  write_runstate_area(hv, v);
}

void vcpu_wake(Hypervisor& hv, Vcpu& v) {
  if (!v.blocked) return;
  v.blocked = false;
  v.ev.polling = false;
  v.ev.poll_ports.clear();
  v.ev.poll_deadline = 0;
  Cpu& c = *v.cpu;
  c.s.halted = 0;
  const uint64_t now = sched_now(hv);
  if (c.s.cycles < now) c.s.cycles = now;
  if (v.online) vcpu_set_runstate(hv, v, RUNSTATE_running);
}

void sched_init_domain(Hypervisor& hv, Domain& d) {
  for (auto& vp : d.vcpus) {
    vp->ev.runstate = vp->online ? RUNSTATE_running : RUNSTATE_offline;
    vp->ev.runstate_entry = vcpu_system_time(hv, *vp);
  }
}

int32_t sched_block(HypercallCtx& c) {
  Vcpu& v = c.vcpu;
  // Blocking enables event delivery; with an upcall already due the vcpu does not sleep.
  set_vcpu_upcall_mask(c.hv, v, 0);
  if (vcpu_upcall_pending(c.hv, v)) return 0;
  block(c.hv, v);
  return 0;
}

int32_t sched_poll(HypercallCtx& c, uint32_t poll_va) {
  Hypervisor& hv = c.hv;
  Vcpu& v = c.vcpu;
  abi32::sched_poll p;
  if (!get_guest(hv, v, poll_va, p)) return c.reject(-XEN_EFAULT, "sched_poll not readable");
  if (p.nr_ports > 128) return c.reject(-XEN_EINVAL, "more than 128 ports to poll");
  std::vector<uint32_t> ports(p.nr_ports);
  if (p.nr_ports && !copy_from_guest(hv, v, p.ports, ports.data(), ports.size() * 4))
    return c.reject(-XEN_EFAULT, "the port list is not readable");
  // An upcall due now ends the poll at once.
  if (vcpu_upcall_pending(hv, v) && !vcpu_upcall_mask(hv, v)) return 0;
  for (uint32_t port : ports) {
    if (port >= EventChannels::kMaxPorts) return c.reject(-XEN_EINVAL, "port " + std::to_string(port) + " is out of range");
    if (evtchn_is_pending(hv, c.dom, port)) return 0;
  }
  v.ev.polling = true;
  // With one port only that port wakes the poller; with several, any port does (as in Xen).
  v.ev.poll_ports.clear();
  if (ports.size() == 1) v.ev.poll_ports.push_back(ports[0]);
  v.ev.poll_deadline = 0;
  if (p.timeout) {
    const uint64_t now_ns = vcpu_system_time(hv, v);
    v.ev.poll_deadline = p.timeout <= now_ns ? std::max<uint64_t>(v.cpu->s.cycles, 1)
                                             : ns_to_cycles(time_scale(hv.config().cpu_hz), hv.config().cpu_hz, p.timeout);
  }
  block(hv, v);
  return 0;
}

int32_t console_read(HypercallCtx& c, uint32_t va, uint32_t count) {
  std::string& in = c.dom.console_input;
  const uint32_t n = uint32_t(std::min<size_t>(count, in.size()));
  if (n == 0) return 0;
  if (!copy_to_guest(c.hv, c.vcpu, va, in.data(), n)) return c.reject(-XEN_EFAULT, "buffer not writable");
  in.erase(0, n);
  return int32_t(n);
}

void console_feed(Hypervisor& hv, Domain& d, const std::string& bytes) {
  if (bytes.empty()) return;
  d.console_input += bytes;
  send_global_virq(hv, d, VIRQ_CONSOLE);
}

bool sched_idle(Hypervisor& hv, Vcpu& v) {
  // Another vcpu can run: give it the CPU (the run loop moves on).
  for (auto& wp : hv.domain().vcpus)
    if (wp.get() != &v && runnable(*wp)) return false;
  const uint64_t d = next_deadline(hv, &v);
  if (d == HostDevice::kNever) return false;
  Cpu& c = *v.cpu;
  if (c.s.cycles < d) c.s.cycles = d;
  c.set_deadline(std::min(c.deadline(), c.s.cycles));
  return true;
}

void sched_deadline(Hypervisor& hv, Vcpu& v) {
  Cpu& c = *v.cpu;
  const uint64_t now = c.s.cycles;
  fire_due(hv, now, &v);
  uint64_t d = next_deadline(hv, &v);
  if (d <= now) d = now + 1;   // never stop twice at one cycle
  c.set_deadline(d);
}

PvRunResult sched_run(Hypervisor& hv, uint64_t max_insns) {
  Domain& d = hv.domain();
  SchedState& s = d.sched;
  uint64_t budget = max_insns ? max_insns : ~0ull;
  const unsigned n = unsigned(d.vcpus.size());
  for (;;) {
    if (const PvRunResult* end = hv.run_end()) return *end;
    if (budget == 0) return PvRunResult{PvEnd::Stopped, StopReason::InsnLimit, ShutdownReason::None};
    // The vcpu to run: the current one while its quantum lasts, else the next runnable one.
    Vcpu* v = nullptr;
    const bool goes_on = s.current < n && s.quantum_left && runnable(d.vcpu(s.current));
    // Between quanta, a requested stop cycle ends the run at a point the run would pass
    // through anyway (snapshots, replay checkpoints): resuming changes nothing.
    if (!goes_on && hv.now() >= hv.stop_cycle())
      return PvRunResult{PvEnd::Stopped, StopReason::CycleLimit, ShutdownReason::None};
    if (goes_on) {
      v = &d.vcpu(s.current);
    } else {
      for (unsigned k = 1; k <= n && !v; ++k) {
        const unsigned i = (s.current + k) % n;
        if (runnable(d.vcpu(i))) {
          v = &d.vcpu(i);
          s.current = i;
          s.quantum_left = kSchedQuantum;
        }
      }
    }
    if (!v) {
      // Every vcpu waits: jump to the first deadline, or stop as idle.
      const uint64_t at = next_deadline(hv, nullptr);
      if (at == HostDevice::kNever)
        return PvRunResult{PvEnd::Stopped, StopReason::Idle, ShutdownReason::None};
      s.idle_clock = std::max(s.idle_clock, at);
      fire_due(hv, s.idle_clock, nullptr);
      s.quantum_left = 0;
      continue;
    }
    Cpu& c = *v->cpu;
    hv.set_current_vcpu(v);
    c.set_deadline(next_deadline(hv, v));
    const uint64_t before = c.s.insns;
    const StopReason r = c.run(std::min(s.quantum_left, budget));
    const uint64_t ran = c.s.insns - before;
    hv.set_current_vcpu(nullptr);
    s.idle_clock = std::max(s.idle_clock, c.s.cycles);
    budget -= std::min(ran, budget);
    s.quantum_left -= std::min(ran, s.quantum_left);
    if (const PvRunResult* end = hv.run_end()) return *end;
    switch (r) {
      case StopReason::InsnLimit: break;
      case StopReason::Idle:
        // The vcpu halted with nothing to wake it while others may run.
        if (!v->blocked) {
          v->blocked = true;
          vcpu_set_runstate(hv, *v, RUNSTATE_blocked);
        }
        s.quantum_left = 0;
        break;
      case StopReason::Requested:
        if (!s.resched) return PvRunResult{PvEnd::Stopped, r, ShutdownReason::None};
        s.resched = false;
        s.quantum_left = 0;
        break;
      default:
        if (s.resched) {   // the vcpu gave up its turn as it stopped
          s.resched = false;
          s.quantum_left = 0;
        }
        return PvRunResult{PvEnd::Stopped, r, ShutdownReason::None};
    }
  }
}

}  // namespace pvlab::hyper
