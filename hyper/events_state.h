// The hypervisor's side of a domain's event channels and of each vcpu's event, timer and
// scheduling state: plain data kept in Domain and Vcpu (domain.h). The rules that change it
// are in events.cpp (channels, pending / mask / upcall), time.cpp (timers) and schedule.cpp
// (block, poll, the run loop's choices).
#pragma once
#include <array>
#include <cstdint>
#include <functional>
#include <vector>

#include "hyper/xen_abi.h"

namespace pvlab::hyper {

// What a port is bound to. The numbers are the EVTCHNSTAT_* values EVTCHNOP_status reports,
// except Reserved (port 0 and ports the hypervisor keeps), which reports as closed.
enum class PortState : uint8_t {
  Free = EVTCHNSTAT_closed,
  Unbound = EVTCHNSTAT_unbound,
  Interdomain = EVTCHNSTAT_interdomain,
  Pirq = EVTCHNSTAT_pirq,
  Virq = EVTCHNSTAT_virq,
  Ipi = EVTCHNSTAT_ipi,
  Reserved = 0xff,
};

// The domain id of the host back ends (devices/xen/): the console and xenstore pages' channels
// are offered to it, as Xen offers them to dom0's daemons.
constexpr uint16_t kHostDomid = 0;

struct EventChannel {
  PortState state = PortState::Free;
  uint16_t notify_vcpu = 0;   // whose upcall a pending event raises
  uint16_t remote_dom = 0;    // Unbound: who may connect; Interdomain: the other end's domain
  uint32_t remote_port = 0;   // Interdomain: the other end's port (a port of this domain for
                              // loopback, 0 for a host back end)
  uint32_t virq = 0;          // Virq
  bool host = false;          // Interdomain with a host back end as the other end
};

struct EventChannels {
  // The two-level ABI of a 32-bit guest: 32 selector bits of 32 ports each.
  static constexpr uint32_t kMaxPorts = 32 * 32;
  std::vector<EventChannel> ports;   // grown on demand, never beyond kMaxPorts
  // The host side of Interdomain ports with host = true, by port: told on EVTCHNOP_send.
  std::vector<std::function<void()>> host_notify;
};

// Per vcpu: VIRQ bindings, SCHEDOP_poll, the runstate, and whether an upcall may be due.
struct VcpuEvents {
  std::array<uint32_t, NR_VIRQS> virq_port{};   // 0: not bound
  bool polling = false;
  std::vector<uint32_t> poll_ports;              // empty while polling: any port wakes
  uint64_t poll_deadline = 0;                    // cycle of the poll timeout (0: none)
  // Set when the hypervisor raised evtchn_upcall_pending; the CPU's interrupt check then reads
  // vcpu_info until the guest cleared the flag (cheap when nothing was raised).
  bool upcall_hint = false;
  bool registered_vcpu_info = false;             // VCPUOP_register_vcpu_info was used
  // Runstate accounting (VCPUOP_get_runstate_info): the state, the system time it began, and
  // the time spent in each RUNSTATE_* so far.
  uint32_t runstate = RUNSTATE_offline;
  uint64_t runstate_entry = 0;
  std::array<uint64_t, 4> runstate_time{};
  uint32_t runstate_area_va = 0;                 // VCPUOP_register_runstate_memory_area (0: none)
};

// The run loop's place in its round of the domain's vcpus, kept between calls to
// Hypervisor::run so that how a run is sliced does not change the interleaving.
struct SchedState {
  unsigned current = 0;        // the vcpu whose quantum is under way
  uint64_t quantum_left = 0;   // instructions left in it
  bool resched = false;        // the running vcpu must give up the CPU now (VCPUOP_down)
  uint64_t idle_clock = 0;     // the time every vcpu waits for while all are blocked
};

}  // namespace pvlab::hyper
