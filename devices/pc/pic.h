// The PC's two cascaded 8259A programmable interrupt controllers: the master at 0x20/0x21
// takes IRQ 0-7, the slave at 0xA0/0xA1 takes IRQ 8-15 and reports through the master's IR2.
// The edge/level control registers (ELCR) at 0x4D0/0x4D1 choose level triggering per line.
//
// Modelled: the ICW1-ICW4 initialization sequence, OCW1 (mask), OCW2 (specific and
// non-specific EOI, rotation on EOI and in auto-EOI mode, set priority), OCW3 (read IRR/ISR,
// poll, special mask mode), edge and level triggering (ICW1.LTIM or ELCR), fully nested and
// special fully nested modes, auto-EOI, and spurious IRQ 7 / IRQ 15 when a request vanished
// before the acknowledge. Vectors are always formed the 8086 way (ICW2 & 0xF8 | level);
// 8080/8085 call addresses and buffered mode are accepted but have no effect.
//
// Edge-triggered inputs latch IRR on a rising edge and keep it until the acknowledge (a
// device may pulse its line). The slave's INT output feeds the master's IR2 as a level, so
// the master asks again as long as the slave has an interrupt to give.
//
// After construction the pair is in the state a PC BIOS leaves: master vectors 0x08-0x0F,
// slave 0x70-0x77, cascade on IR2, every line masked except the cascade. A guest that
// enables interrupts before remapping therefore sees nothing, not a timer at vector 8.
#pragma once
#include <cstdint>

#include "devices/irq.h"
#include "devices/pc/byte_ports.h"
#include "devices/state_io.h"

namespace pvlab {

// One 8259A, as plain data.
struct Pic8259 {
  uint8_t irr = 0;         // interrupt request register
  uint8_t isr = 0;         // in-service register
  uint8_t imr = 0;         // interrupt mask register
  uint8_t input = 0;       // current level of each IR input (edge detection)
  uint8_t elcr = 0;        // per-line level triggering
  uint8_t elcr_mask = 0;   // ELCR bits that may be set
  uint8_t base = 0;        // vector base (ICW2 & 0xF8)
  uint8_t icw3 = 0;        // master: lines with a slave; slave: its id
  uint8_t lowest = 7;      // the level with the lowest priority (rotation)
  uint8_t init_step = 0;   // 0: ready; 2, 3, 4: the ICW expected next
  bool single = false;     // ICW1.SNGL
  bool need_icw4 = false;  // ICW1.IC4
  bool ltim = false;       // ICW1.LTIM: every line level triggered
  bool x86 = true;         // ICW4.uPM
  bool auto_eoi = false;   // ICW4.AEOI
  bool sfnm = false;       // ICW4.SFNM
  uint8_t icw4 = 0;        // ICW4 as written (buffered-mode bits kept for reads of state)
  bool rotate_aeoi = false;
  bool special_mask = false;
  bool read_isr = false;   // OCW3.RIS: the command port reads ISR instead of IRR
  bool poll = false;       // OCW3.P: the next read is a poll

  bool level_triggered(unsigned line) const { return ltim || (elcr >> line & 1); }
  // Priority rank of a level: 0 is served first.
  unsigned rank(unsigned line) const { return (line - lowest - 1) & 7; }
  // The highest-priority set bit of `bits`, or -1.
  int highest(uint8_t bits) const;
  // The request the chip would raise INT for now, or -1.
  int deliverable(bool cascade_master) const;
};

class Pic final : public BytePorts, public IrqSink {
 public:
  Pic();

  // Ports 0x20-0x21, 0xA0-0xA1 and 0x4D0-0x4D1.
  void map(Bus& bus);
  // BIOS state (see the top of this file).
  void reset();

  // ---- devices -------------------------------------------------------------------------------
  // Drive IRQ line 0-15. IRQ 2 is the cascade and cannot be driven from outside.
  void set_irq(unsigned irq, bool level) override;
  void raise_irq(unsigned irq) { set_irq(irq, true); }
  void lower_irq(unsigned irq) { set_irq(irq, false); }
  void pulse_irq(unsigned irq) {
    set_irq(irq, true);
    set_irq(irq, false);
  }
  IrqLine line(unsigned irq) { return IrqLine(this, irq); }

  // ---- the CPU -------------------------------------------------------------------------------
  // The master's INT output: an interrupt is waiting.
  bool pending() const { return chip_[0].deliverable(true) >= 0; }
  // The INTA cycle: move the request to in-service and return its vector. Returns the
  // spurious vector of IRQ 7 (or IRQ 15 from the slave) when the request went away.
  uint8_t acknowledge();

  // ---- inspection ----------------------------------------------------------------------------
  const Pic8259& chip(unsigned i) const { return chip_[i & 1]; }

  void save(StateWriter& w) const;
  bool load(StateReader& r);

 protected:
  uint8_t in8(uint16_t port) override;
  void out8(uint16_t port, uint8_t value) override;

 private:
  void write_command(unsigned c, uint8_t v);
  void write_data(unsigned c, uint8_t v);
  uint8_t read_command(unsigned c);
  // Acknowledge on one chip (INTA or poll): returns the level or -1.
  int take(unsigned c);
  void sync_cascade();

  Pic8259 chip_[2];
};

}  // namespace pvlab
