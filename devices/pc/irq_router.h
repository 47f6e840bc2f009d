// Where a PC's maskable interrupts meet: the 8259 pair's INTR (an ExtINT through LINT0 when
// the local APIC is in use) and the local APIC's own fixed interrupts. The machine's
// Platform::irq_pending / irq_ack forward here. ExtINT goes first, as it bypasses the APIC's
// priority logic on real processors.
#pragma once
#include <cstdint>

#include "devices/pc/lapic.h"
#include "devices/pc/pic.h"

namespace pvlab {

class IrqRouter {
 public:
  // `lapic` may be null for a machine without one.
  explicit IrqRouter(Pic& pic, Lapic* lapic = nullptr) : pic_(pic), lapic_(lapic) {}

  bool pending() const { return pic_routed() || (lapic_ && lapic_->pending()); }
  uint8_t acknowledge() {
    if (pic_routed()) return pic_.acknowledge();
    if (lapic_) return lapic_->acknowledge();
    return pic_.acknowledge();   // nothing was pending: the 8259's spurious vector
  }

 private:
  bool pic_routed() const { return (!lapic_ || lapic_->accepts_pic()) && pic_.pending(); }

  Pic& pic_;
  Lapic* lapic_;
};

}  // namespace pvlab
