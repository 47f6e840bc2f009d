// A bare-metal PC's state as bytes: what PcMachine keeps itself, then the devices, then the
// CPU (last, so that its saved device deadline and TLBs win over anything a device's load
// announces through the machine's wiring, such as the A20 gate flushing the TLBs).
#include "devices/state_io.h"
#include "frontend/machine.h"

namespace pvlab {

void PcMachine::save_state(StateWriter& w) const {
  w.tag("PCMC");
  w.u64(idle_without_irq_);
  w.u32(uint32_t(console_.size()));
  w.bytes(reinterpret_cast<const uint8_t*>(console_.data()), console_.size());
  devices_.save(w);
  cpu_.save_state(w);
}

bool PcMachine::load_state(StateReader& r) {
  if (!r.tag("PCMC")) return false;
  const uint64_t idle = r.u64();
  const std::vector<uint8_t> console = r.blob(1u << 30);
  if (!r.ok() || !devices_.load(r) || !cpu_.load_state(r)) return false;
  idle_without_irq_ = idle;
  console_.assign(console.begin(), console.end());
  end_.reset();
  return true;
}

}  // namespace pvlab
