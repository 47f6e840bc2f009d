// Scheduling and the console's input side: what sched_op and console_io hand over to the
// event and time code (events.cpp, time.cpp).
#pragma once
#include <cstdint>

#include "hyper/hypercalls.h"

namespace pvlab::hyper {

int32_t sched_block(HypercallCtx& c);                      // SCHEDOP_block
int32_t sched_poll(HypercallCtx& c, uint32_t poll_va);     // SCHEDOP_poll
int32_t console_read(HypercallCtx& c, uint32_t va, uint32_t count);   // CONSOLEIO_read

}  // namespace pvlab::hyper
