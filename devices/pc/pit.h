// The 8254 programmable interval timer at ports 0x40-0x43, with port 0x61 (system control
// port B: the channel 2 gate, the speaker enable, the refresh toggle and channel 2's output).
// Its clock is 1.193182 MHz, derived from the CPU cycle counter through the DeviceClock: PIT
// tick t starts at cycle clock.cycle_of_tick(t, Pit::kHz).
//
// Nothing is counted tick by tick. Each channel keeps the state of its counting element at
// one tick (its epoch) and computes the count and OUT at any later tick from the mode; a
// control word, a count write or a gate change re-bases it. Channel 0's OUT drives IRQ 0: a
// device timer is armed for the next tick at which OUT changes, so IRQ 0 sees the same edges
// as on the real chip (a rising edge per period in modes 2 and 3) and nothing runs in between.
//
// Modelled: modes 0-5 with the 8254's timing (a count written during tick T is loaded at
// tick T+1; mode 0 raises OUT N+1 ticks after the write; modes 2 and 3 have period N), binary
// and BCD counting, LSB / MSB / LSB-then-MSB access with the read and write flip-flops, the
// counter latch command, the read-back command (count and status, with OUT and NULL COUNT),
// gates (channels 0 and 1 are tied high; channel 2's is port 0x61 bit 0), new counts taking
// effect at the end of the period (mode 2) or half period (mode 3).
// Not modelled: sound; counts of 1 in modes 2 and 3 (an illegal count on the 8254) behave as 2;
// the exact count sequence inside a mode 3 half period is approximated (2 per tick).
//
// After construction channel 0 is in mode 3 waiting for its count (OUT high, no IRQ 0 edges:
// guests booted without a BIOS program it themselves, and a machine with nothing scheduled
// can tell that a halted CPU will never wake), channel 1 is in mode 2 with count 18 (refresh,
// as a BIOS leaves it), channel 2 waits for a control word with its gate low.
#pragma once
#include <cstdint>

#include "devices/clock.h"
#include "devices/irq.h"
#include "devices/pc/byte_ports.h"
#include "devices/state_io.h"

namespace pvlab {

// One counter of the 8254, as plain data.
struct PitChannel {
  static constexpr uint64_t kNever = ~0ull;
  // Programming.
  uint8_t mode = 0;          // effective mode 0-5
  uint8_t mode_bits = 0;     // M2-M0 as written (6 and 7 read back as written)
  uint8_t rw = 3;            // 1: LSB only, 2: MSB only, 3: LSB then MSB
  bool bcd = false;
  uint32_t reload = 0x10000; // count register as a number: 1..65536 (1..10000 in BCD)
  bool loaded = false;       // a count was written since the last control word
  bool write_msb = false;    // write flip-flop: the next byte written is the MSB
  uint8_t write_lsb = 0;
  bool read_msb = false;     // read flip-flop for live reads
  // Latches.
  bool count_latched = false;
  bool latch_msb = false;    // the next latched byte read is the MSB
  uint16_t latched = 0;
  bool status_latched = false;
  uint8_t status = 0;
  // The counting element at the epoch.
  bool gate = true;
  bool counting = false;     // the element decrements (loaded, triggered, gate allows)
  uint64_t epoch = 0;        // PIT tick at which `value`, `out` and `half` hold
  uint32_t value = 0;        // modes 0,1,4,5: count mod 65536/10000; mode 2: 1..N; mode 3: ticks left in the half period
  bool out = false;          // OUT at the epoch
  uint64_t tc_tick = kNever; // modes 0,1,4,5: the tick of the terminal count still ahead
  uint64_t tc_left = kNever; // modes 0 and 4 while the gate pauses them: ticks to the terminal count
  uint64_t null_until = kNever;  // NULL COUNT reads 1 before this tick

  uint32_t modulus() const { return bcd ? 10000 : 0x10000; }
};

class Pit final : public BytePorts {
 public:
  static constexpr uint64_t kHz = 1193182;
  // Port 0x61 bit 4 toggles once per refresh request, every 18 PIT ticks (15.09 us).
  static constexpr uint64_t kRefreshTicks = 18;

  Pit(DeviceClock& clock, IrqLine irq0);

  // Ports 0x40-0x43 and 0x61.
  void map(Bus& bus);
  // BIOS state (see the top of this file), counting from the current cycle.
  void reset();

  // ---- inspection and wiring -----------------------------------------------------------------
  uint64_t tick() const { return clock_.ticks_at(clock_.now(), kHz); }
  bool output(unsigned ch) const { return out_at(ch_[ch], tick()); }
  // The count a read would return now (binary; BCD channels count 0..9999).
  uint32_t count(unsigned ch) const;
  void set_gate(unsigned ch, bool level);
  const PitChannel& channel(unsigned ch) const { return ch_[ch]; }
  uint8_t port61() const { return port61_; }

  void save(StateWriter& w) const;
  bool load(StateReader& r);

 protected:
  uint8_t in8(uint16_t port) override;
  void out8(uint16_t port, uint8_t value) override;

 private:
  struct Mode3 {
    bool out;
    uint32_t left;   // ticks left in the half period
    uint32_t len;    // length of that half period
  };
  static uint32_t period(const PitChannel& c);   // reload with the 2-tick minimum of modes 2/3
  static Mode3 mode3_at(const PitChannel& c, uint64_t t);
  static uint32_t raw_count(const PitChannel& c, uint64_t t);
  static bool out_at(const PitChannel& c, uint64_t t);
  static uint64_t next_change(const PitChannel& c, uint64_t t);
  static void rebase(PitChannel& c, uint64_t t);

  void control(uint8_t v);
  void read_back(uint8_t v);
  void write_counter(unsigned ch, uint8_t v);
  uint8_t read_counter(unsigned ch);
  void load_count(unsigned ch, uint32_t n);
  uint16_t display_count(const PitChannel& c, uint64_t t) const;
  uint8_t make_status(const PitChannel& c, uint64_t t) const;
  void channel0_changed();
  void on_timer(uint64_t when);

  DeviceClock& clock_;
  IrqLine irq0_;
  DeviceClock::TimerId timer_;
  PitChannel ch_[3];
  uint8_t port61_ = 0;   // bits 0-3 as written
};

}  // namespace pvlab
