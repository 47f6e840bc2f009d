// The Session's hooks into the PV hypervisor (frontend/session_catch.cpp), private to the
// Session's own files.
#pragma once
#include <algorithm>
#include <cstdio>

#include "frontend/session.h"
#include "hyper/hypervisor.h"

namespace pvlab {

class Session::PvCatches final : public hyper::DebugHooks {
 public:
  explicit PvCatches(Session& s) : s_(s) {}

  bool upcall_any = false;
  std::vector<uint32_t> upcall_ports;
  bool rejected = false;

  bool active() const { return upcall_any || !upcall_ports.empty() || rejected; }

  void upcall(hyper::Vcpu& v, const hyper::UpcallNote& n) override;
  void update_refused(hyper::Vcpu& v, const hyper::RefusedUpdate& r) override;

 private:
  void stop(hyper::Vcpu& v, StopInfo st) {
    s_.pv_hit_ = std::move(st);
    v.cpu->request_stop(StopReason::Breakpoint);
  }
  Session& s_;
};

}  // namespace pvlab
