#include "hyper/traps.h"

#include "hyper/hypervisor.h"

namespace pvlab::hyper {

bool deliver_guest_event(Hypervisor& hv, Vcpu& v, const Event& e) {
  (void)hv;
  (void)v;
  (void)e;
  return false;
}

}  // namespace pvlab::hyper
