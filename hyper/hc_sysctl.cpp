// sysctl: the toolstack's interface. A guest may probe its interface version; every operation
// needs a privileged domain, which pvlab's guests are not (the initial domain is told that
// pvlab offers none of them).
//
// xen/sysctl.h is a tools-only header that does not compile as strict C++ (it pulls in the HVM
// save records); the one number needed from it is written here under its name there.
#include "hyper/xen_abi.h"

#include <string>

#include "hyper/domain.h"
#include "hyper/guest_access.h"
#include "hyper/hypercalls.h"

namespace pvlab::hyper {

namespace {

constexpr uint32_t kSysctlInterfaceVersion = 0x00000015;   // XEN_SYSCTL_INTERFACE_VERSION

int32_t do_sysctl(HypercallCtx& c) {
  uint32_t head[2];   // cmd, interface_version: the same on both ABIs
  if (!copy_from_guest(c.hv, c.vcpu, c.arg[0], head, sizeof head))
    return c.reject(-XEN_EFAULT, "sysctl argument not readable");
  if (head[1] != kSysctlInterfaceVersion)
    return c.reject(-XEN_EACCES, "sysctl interface version " + std::to_string(head[1]) + ", expected " +
                                     std::to_string(kSysctlInterfaceVersion));
  if (!c.dom.initdomain)
    return c.reject(-XEN_EPERM, "sysctl " + std::to_string(head[0]) + " needs a privileged domain");
  return c.reject(-XEN_ENOSYS, "sysctl " + std::to_string(head[0]) + " is not offered by pvlab");
}

}  // namespace

void register_sysctl_hypercall(HypercallTable& t) {
  t.add({__HYPERVISOR_sysctl, "sysctl", {Arg::Ptr}, do_sysctl});
}

}  // namespace pvlab::hyper
