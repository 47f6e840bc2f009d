// The Session's PV catches that the CPU cannot see (frontend/session.h): an event upcall
// and a refused page-table or descriptor update. Both are the hypervisor's own doings, so
// the Session hears of them through hyper::DebugHooks, installed only while one of them is
// caught. A hook that matches records the stop and asks the vcpu's CPU to stop before its
// next instruction; run_locked_slices then reports it.
#include "frontend/session_catch.h"

namespace pvlab {

void Session::PvCatches::upcall(hyper::Vcpu& v, const hyper::UpcallNote& n) {
  if (s_.pv_hit_ || (!upcall_any && upcall_ports.empty())) return;
  std::optional<uint32_t> port;
  for (uint32_t p : n.ports)
    if (upcall_any || std::find(upcall_ports.begin(), upcall_ports.end(), p) != upcall_ports.end()) {
      port = p;
      break;
    }
  // An upcall with nothing pending (the guest set the flag itself) stops only "any".
  if (!port && !(upcall_any && n.ports.empty())) return;
  StopInfo st;
  st.why = StopInfo::Why::Upcall;
  st.vcpu = n.vcpu;
  st.port = port.value_or(0);
  st.ports = n.ports;
  std::string list;
  for (uint32_t p : n.ports) list += (list.empty() ? "" : ", ") + std::to_string(p);
  char buf[160];
  std::snprintf(buf, sizeof buf, "event upcall on vcpu %u to %04x:%08x, ", n.vcpu, n.cs, n.eip);
  st.text = buf + (list.empty() ? std::string("no port pending") : "port" + std::string(n.ports.size() > 1 ? "s " : " ") + list);
  stop(v, std::move(st));
}

void Session::PvCatches::update_refused(hyper::Vcpu& v, const hyper::RefusedUpdate& r) {
  if (s_.pv_hit_ || !rejected) return;
  StopInfo st;
  st.why = StopInfo::Why::Rejected;
  st.vcpu = r.vcpu;
  st.reason = r.reason;
  st.update_hypercall = r.hypercall ? r.nr : 0;
  st.fault_eip = r.eip;
  char buf[64];
  std::snprintf(buf, sizeof buf, " = %d", r.error);
  st.text = "update refused on vcpu " + std::to_string(r.vcpu) + ": " + r.what + buf + ": " +
            (r.reason.empty() ? "(no reason given)" : r.reason);
  if (!r.hypercall) {
    std::snprintf(buf, sizeof buf, " (the store at %08x; the #PF goes to the guest)", r.eip);
    st.text += buf;
  }
  stop(v, std::move(st));
}

void Session::sync_pv_catches() {
  hyper::Hypervisor* hv = target_->hypervisor();
  if (!hv) return;
  hv->set_debug_hooks(pv_catches_ && pv_catches_->active() ? pv_catches_.get() : nullptr);
}

bool Session::catch_upcall(std::optional<uint32_t> port, bool on) {
  Lock l(*this);
  if (!target_->hypervisor()) return false;
  if (!pv_catches_) pv_catches_ = std::make_unique<PvCatches>(*this);
  auto& list = pv_catches_->upcall_ports;
  if (!port) {
    pv_catches_->upcall_any = on;
    if (!on) list.clear();
  } else if (on) {
    if (std::find(list.begin(), list.end(), *port) == list.end()) list.push_back(*port);
  } else {
    list.erase(std::remove(list.begin(), list.end(), *port), list.end());
  }
  sync_pv_catches();
  return true;
}

bool Session::catch_rejected_updates(bool on) {
  Lock l(*this);
  if (!target_->hypervisor()) return false;
  if (!pv_catches_) pv_catches_ = std::make_unique<PvCatches>(*this);
  pv_catches_->rejected = on;
  sync_pv_catches();
  return true;
}

}  // namespace pvlab
