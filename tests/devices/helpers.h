// Shared pieces of the device tests: an IRQ sink that records every change with its cycle, and
// a stand-in for the CPU that walks a DeviceClock to a cycle, stopping at each deadline as the
// run loop does.
#pragma once
#include <cstdint>
#include <vector>

#include "devices/clock.h"
#include "devices/irq.h"

namespace pvlab::test {

struct IrqEvent {
  uint64_t cycle;
  unsigned line;
  bool level;
};

class RecordingIrq final : public IrqSink {
 public:
  explicit RecordingIrq(const DeviceClock& clock) : clock_(clock) {}
  void set_irq(unsigned line, bool level) override {
    if (line < 32 && level != levels[line]) events.push_back({clock_.now(), line, level});
    if (line < 32) levels[line] = level;
  }
  // Cycles of the rising edges on `line`.
  std::vector<uint64_t> rises(unsigned line) const {
    std::vector<uint64_t> r;
    for (const IrqEvent& e : events)
      if (e.line == line && e.level) r.push_back(e.cycle);
    return r;
  }
  bool levels[32] = {};
  std::vector<IrqEvent> events;

 private:
  const DeviceClock& clock_;
};

// Advance an unbound clock to `target`, running each deadline at exactly its cycle.
inline void run_until(DeviceClock& clock, uint64_t target) {
  while (clock.next_deadline() <= target) clock.run_due(clock.next_deadline());
  clock.set_now(target);
}

}  // namespace pvlab::test
