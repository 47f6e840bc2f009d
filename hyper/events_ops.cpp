// HYPERVISOR_event_channel_op: the EVTCHNOP_* operations on a domain's ports, with Xen's
// argument checks and error numbers. The delivery rules they rely on are in events.cpp.
#include <string>

#include "hyper/events.h"
#include "hyper/guest_access.h"
#include "hyper/hypervisor.h"
#include "hyper/time.h"
#include "hyper/vcpu.h"

namespace pvlab::hyper {

namespace {

bool is_self(const HypercallCtx& c, uint32_t dom) { return dom == DOMID_SELF || dom == c.dom.id; }

std::string port_text(uint32_t port) { return "port " + std::to_string(port); }

// A port number inside the two-level range (Xen's port_is_valid).
bool valid_port(const HypercallCtx& c, uint32_t port) { return port < c.dom.evtchn.ports.size(); }

// Copy the operation's structure in, run `body`, copy it back out when `out` is set and the
// operation succeeded (the OUT fields).
template <typename T, typename F>
int32_t with_op(HypercallCtx& c, uint32_t va, bool out, F body) {
  T op;
  if (!get_guest(c.hv, c.vcpu, va, op)) return c.reject(-XEN_EFAULT, "argument not readable");
  const int32_t rc = body(op);
  if (rc == 0 && out && !put_guest(c.hv, c.vcpu, va, op))
    return c.reject(-XEN_EFAULT, "argument not writable");
  return rc;
}

int32_t no_free_port(HypercallCtx& c) { return c.reject(-XEN_ENOSPC, "all 1024 ports are in use"); }

int32_t op_alloc_unbound(HypercallCtx& c, evtchn_alloc_unbound_t& op) {
  if (!is_self(c, op.dom)) return c.reject(-XEN_EPERM, "an unprivileged domain allocates only its own ports");
  const uint32_t port = evtchn_alloc_port(c.dom);
  if (!port) return no_free_port(c);
  EventChannel& ch = c.dom.evtchn.ports[port];
  ch = EventChannel{};
  ch.state = PortState::Unbound;
  ch.remote_dom = op.remote_dom == DOMID_SELF ? c.dom.id : op.remote_dom;
  op.port = port;
  return 0;
}

int32_t op_bind_interdomain(HypercallCtx& c, evtchn_bind_interdomain_t& op) {
  if (!is_self(c, op.remote_dom))
    return c.reject(-XEN_ESRCH, "remote domain " + std::to_string(op.remote_dom) +
                                    " does not exist (only loopback channels; host back ends connect themselves)");
  if (!valid_port(c, op.remote_port)) return c.reject(-XEN_EINVAL, "remote " + port_text(op.remote_port) + " is out of range");
  EventChannel& r = c.dom.evtchn.ports[op.remote_port];
  if (r.state != PortState::Unbound)
    return c.reject(-XEN_EINVAL, "remote " + port_text(op.remote_port) + " is not unbound");
  if (r.remote_dom != c.dom.id)
    return c.reject(-XEN_EINVAL, "remote " + port_text(op.remote_port) + " is offered to domain " +
                                     std::to_string(r.remote_dom));
  const uint32_t port = evtchn_alloc_port(c.dom);
  if (!port) return no_free_port(c);
  EventChannel& l = c.dom.evtchn.ports[port];
  l = EventChannel{};
  l.state = PortState::Interdomain;
  l.remote_dom = c.dom.id;
  l.remote_port = op.remote_port;
  r.state = PortState::Interdomain;
  r.remote_dom = c.dom.id;
  r.remote_port = port;
  op.local_port = port;
  // Notifications sent to the unbound end were lost: Xen raises the new local port once.
  evtchn_set_pending(c.hv, c.dom, port);
  return 0;
}

int32_t op_bind_virq(HypercallCtx& c, evtchn_bind_virq_t& op) {
  if (op.virq >= NR_VIRQS) return c.reject(-XEN_EINVAL, "VIRQ " + std::to_string(op.virq) + " does not exist");
  if (!virq_is_per_vcpu(op.virq) && op.vcpu != 0)
    return c.reject(-XEN_EINVAL, "global VIRQ " + std::to_string(op.virq) + " binds on vcpu 0 only");
  if (op.vcpu >= c.dom.vcpus.size()) return c.reject(-XEN_ENOENT, "vcpu " + std::to_string(op.vcpu) + " does not exist");
  Vcpu& v = c.dom.vcpu(op.vcpu);
  if (v.ev.virq_port[op.virq])
    return c.reject(-XEN_EEXIST, "VIRQ " + std::to_string(op.virq) + " is already bound to " +
                                     port_text(v.ev.virq_port[op.virq]));
  const uint32_t port = evtchn_alloc_port(c.dom);
  if (!port) return no_free_port(c);
  EventChannel& ch = c.dom.evtchn.ports[port];
  ch = EventChannel{};
  ch.state = PortState::Virq;
  ch.virq = op.virq;
  ch.notify_vcpu = uint16_t(op.vcpu);
  v.ev.virq_port[op.virq] = port;
  op.port = port;
  return 0;
}

int32_t op_bind_ipi(HypercallCtx& c, evtchn_bind_ipi_t& op) {
  if (op.vcpu >= c.dom.vcpus.size()) return c.reject(-XEN_ENOENT, "vcpu " + std::to_string(op.vcpu) + " does not exist");
  const uint32_t port = evtchn_alloc_port(c.dom);
  if (!port) return no_free_port(c);
  EventChannel& ch = c.dom.evtchn.ports[port];
  ch = EventChannel{};
  ch.state = PortState::Ipi;
  ch.notify_vcpu = uint16_t(op.vcpu);
  op.port = port;
  return 0;
}

int32_t op_close(HypercallCtx& c, evtchn_close_t& op) {
  if (!valid_port(c, op.port)) return c.reject(-XEN_EINVAL, port_text(op.port) + " is out of range");
  const PortState s = c.dom.evtchn.ports[op.port].state;
  if (s == PortState::Free) return c.reject(-XEN_EINVAL, port_text(op.port) + " is not in use");
  if (s == PortState::Reserved) return c.reject(-XEN_EINVAL, port_text(op.port) + " is reserved");
  evtchn_close_port(c.hv, c.dom, op.port);
  return 0;
}

int32_t op_send(HypercallCtx& c, evtchn_send_t& op) {
  if (!valid_port(c, op.port)) return c.reject(-XEN_EINVAL, port_text(op.port) + " is out of range");
  EventChannels& ec = c.dom.evtchn;
  const EventChannel& ch = ec.ports[op.port];
  switch (ch.state) {
    case PortState::Interdomain:
      if (ch.host) {
        if (ec.host_notify[op.port]) {
          auto notify = ec.host_notify[op.port];   // the back end may close the port
          notify();
        }
      } else {
        evtchn_set_pending(c.hv, c.dom, ch.remote_port);
      }
      return 0;
    case PortState::Ipi: evtchn_set_pending(c.hv, c.dom, op.port); return 0;
    case PortState::Unbound: return 0;   // nobody listens yet: dropped, as Xen does
    default:
      return c.reject(-XEN_EINVAL, port_text(op.port) + " cannot be sent on (it is not interdomain or IPI)");
  }
}

int32_t op_status(HypercallCtx& c, evtchn_status_t& op) {
  if (!is_self(c, op.dom)) return c.reject(-XEN_EPERM, "the status of another domain's ports needs privilege");
  if (!valid_port(c, op.port)) return c.reject(-XEN_EINVAL, port_text(op.port) + " is out of range");
  const EventChannel& ch = c.dom.evtchn.ports[op.port];
  const uint16_t dom = op.dom;
  const uint32_t port = op.port;
  op = evtchn_status_t{};
  op.dom = dom;
  op.port = port;
  op.vcpu = ch.notify_vcpu;
  switch (ch.state) {
    case PortState::Free:
    case PortState::Reserved: op.status = EVTCHNSTAT_closed; break;
    case PortState::Unbound:
      op.status = EVTCHNSTAT_unbound;
      op.u.unbound.dom = ch.remote_dom;
      break;
    case PortState::Interdomain:
      op.status = EVTCHNSTAT_interdomain;
      op.u.interdomain.dom = ch.host ? kHostDomid : ch.remote_dom;
      op.u.interdomain.port = ch.remote_port;
      break;
    case PortState::Pirq: op.status = EVTCHNSTAT_pirq; break;
    case PortState::Virq:
      op.status = EVTCHNSTAT_virq;
      op.u.virq = ch.virq;
      break;
    case PortState::Ipi: op.status = EVTCHNSTAT_ipi; break;
  }
  return 0;
}

int32_t op_bind_vcpu(HypercallCtx& c, evtchn_bind_vcpu_t& op) {
  if (!valid_port(c, op.port)) return c.reject(-XEN_EINVAL, port_text(op.port) + " is out of range");
  if (op.vcpu >= c.dom.vcpus.size()) return c.reject(-XEN_ENOENT, "vcpu " + std::to_string(op.vcpu) + " does not exist");
  EventChannel& ch = c.dom.evtchn.ports[op.port];
  switch (ch.state) {
    case PortState::Virq:
      if (virq_is_per_vcpu(ch.virq))
        return c.reject(-XEN_EINVAL, port_text(op.port) + " carries a per-vcpu VIRQ");
      ch.notify_vcpu = uint16_t(op.vcpu);
      return 0;
    case PortState::Unbound:
    case PortState::Interdomain:
    case PortState::Pirq:
      ch.notify_vcpu = uint16_t(op.vcpu);
      return 0;
    default:
      return c.reject(-XEN_EINVAL, port_text(op.port) + " cannot move (free, reserved or IPI)");
  }
}

int32_t op_unmask(HypercallCtx& c, evtchn_unmask_t& op) {
  if (!valid_port(c, op.port)) return c.reject(-XEN_EINVAL, port_text(op.port) + " is out of range");
  evtchn_unmask(c.hv, c.dom, op.port);
  return 0;
}

int32_t op_reset(HypercallCtx& c, evtchn_reset_t& op) {
  if (!is_self(c, op.dom)) return c.reject(-XEN_EPERM, "resetting another domain's ports needs privilege");
  evtchn_reset(c.hv, c.dom);
  return 0;
}

int32_t event_op(HypercallCtx& c, uint32_t cmd, uint32_t va) {
  switch (cmd) {
    case EVTCHNOP_alloc_unbound:
      return with_op<evtchn_alloc_unbound_t>(c, va, true, [&](auto& op) { return op_alloc_unbound(c, op); });
    case EVTCHNOP_bind_interdomain:
      return with_op<evtchn_bind_interdomain_t>(c, va, true, [&](auto& op) { return op_bind_interdomain(c, op); });
    case EVTCHNOP_bind_virq:
      return with_op<evtchn_bind_virq_t>(c, va, true, [&](auto& op) { return op_bind_virq(c, op); });
    case EVTCHNOP_bind_ipi:
      return with_op<evtchn_bind_ipi_t>(c, va, true, [&](auto& op) { return op_bind_ipi(c, op); });
    case EVTCHNOP_close:
      return with_op<evtchn_close_t>(c, va, false, [&](auto& op) { return op_close(c, op); });
    case EVTCHNOP_send:
      return with_op<evtchn_send_t>(c, va, false, [&](auto& op) { return op_send(c, op); });
    case EVTCHNOP_status:
      return with_op<evtchn_status_t>(c, va, true, [&](auto& op) { return op_status(c, op); });
    case EVTCHNOP_bind_vcpu:
      return with_op<evtchn_bind_vcpu_t>(c, va, false, [&](auto& op) { return op_bind_vcpu(c, op); });
    case EVTCHNOP_unmask:
      return with_op<evtchn_unmask_t>(c, va, false, [&](auto& op) { return op_unmask(c, op); });
    case EVTCHNOP_reset:
      return with_op<evtchn_reset_t>(c, va, false, [&](auto& op) { return op_reset(c, op); });
    case EVTCHNOP_bind_pirq:
      return c.reject(-XEN_EPERM, "the domain has no physical IRQs");
    case EVTCHNOP_init_control:
      return c.reject(-XEN_EINVAL, "the FIFO event channel ABI is not offered (two-level only)");
    case EVTCHNOP_expand_array:
    case EVTCHNOP_set_priority:
      return c.reject(-XEN_ENOSYS, "FIFO event channel operations are not implemented");
    default: return c.reject(-XEN_ENOSYS, "unknown event_channel_op " + std::to_string(cmd));
  }
}

int32_t do_event_channel_op(HypercallCtx& c) { return event_op(c, c.arg[0], c.arg[1]); }

// The old form: one pointer to {uint32_t cmd; union of the operations}.
int32_t do_event_channel_op_compat(HypercallCtx& c) {
  uint32_t cmd;
  if (!get_guest(c.hv, c.vcpu, c.arg[0], cmd)) return c.reject(-XEN_EFAULT, "evtchn_op not readable");
  return event_op(c, cmd, c.arg[0] + 4);
}

}  // namespace

// The events area's hypercalls: event channels here, timers in time.cpp, vcpu_op in vcpu.cpp.
void register_event_hypercalls(HypercallTable& t) {
  t.add({__HYPERVISOR_event_channel_op, "event_channel_op", {Arg::Cmd, Arg::Ptr}, do_event_channel_op});
  t.add({__HYPERVISOR_event_channel_op_compat, "event_channel_op_compat", {Arg::Ptr}, do_event_channel_op_compat});
  register_time_hypercalls(t);
  register_vcpu_hypercalls(t);
}

}  // namespace pvlab::hyper
