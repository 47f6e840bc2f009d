// Layout checks of the 32-bit guest structures pvlab's PV layer shares with guests. These sizes
// are the ones a 32-bit PAE guest kernel expects; a libxen-dev that disagrees fails the build.
#include "hyper/xen_abi.h"

#include "hyper/abi.h"

namespace pvlab::hyper {

static_assert(sizeof(start_info_x86_32_t) == 1112, "start_info layout (x86_32)");
static_assert(sizeof(shared_info_x86_32_t) == 2344, "shared_info layout (x86_32)");
static_assert(sizeof(vcpu_info_x86_32_t) == 64, "vcpu_info layout (x86_32)");
static_assert(__HYPERVISOR_mmu_update == 1 && __HYPERVISOR_iret == 23 &&
                  __HYPERVISOR_event_channel_op == 32,
              "hypercall numbers of the pinned interface version");

const char* start_info_magic() { return "xen-3.0-x86_32p"; }
unsigned hypercall_iret() { return __HYPERVISOR_iret; }

}  // namespace pvlab::hyper
