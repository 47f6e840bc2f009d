#include "hyper/schedule.h"

#include "hyper/hypervisor.h"

namespace pvlab::hyper {

int32_t sched_block(HypercallCtx& c) {
  return c.reject(-XEN_ENOSYS, "SCHEDOP_block is not implemented yet");
}

int32_t sched_poll(HypercallCtx& c, uint32_t) {
  return c.reject(-XEN_ENOSYS, "SCHEDOP_poll is not implemented yet");
}

int32_t console_read(HypercallCtx&, uint32_t, uint32_t) { return 0; }

}  // namespace pvlab::hyper
