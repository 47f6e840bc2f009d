// The CMOS RAM and real-time clock (an MC146818 as in every PC) at ports 0x70 (index, with
// bit 7 disabling NMI) and 0x71 (data), interrupting on IRQ 8.
//
// The clock never looks at the host: the RTC time is a fixed epoch (seconds since 1970-01-01
// UTC at cycle 0, or whatever the guest set) plus the cycles since, divided by the nominal CPU
// frequency. Time registers are computed when read, in BCD or binary and 12- or 24-hour form
// as register B asks; writing one changes the clock's time. Day of week follows the date.
//
// Modelled: seconds/minutes/hours/day/month/year and the century byte (0x32), the alarm
// registers with "don't care" values, register A (rate select; the divider must be 010 for
// the clock to run; UIP reads 1 during the 244 us before each update), register B (SET stops
// the clock and clears UIE, PIE/AIE/UIE, binary/BCD, 24/12 h), register C (IRQF/PF/AF/UF,
// cleared by reading), register D (valid RAM), the periodic interrupt at 2 Hz-8192 Hz, update
// and alarm interrupts, the NMI mask bit, and the memory size fields from the RAM size:
// 0x15-0x16 base memory (640 KiB), 0x17-0x18 and 0x30-0x31 KiB above 1 MiB (at most 65535),
// 0x34-0x35 64 KiB blocks above 16 MiB, with the standard checksum at 0x2E-0x2F.
// Flags a guest polls without enabling their interrupt (PF, UF) are computed when register C
// is read; a polled AF compares only the latest second. Written day-of-week values are ignored
// and out-of-range fields are clamped. While SET stops the clock the fields are held as
// written (a date may be set field by field in any order); they are normalized when it runs.
#pragma once
#include <cstdint>

#include "devices/clock.h"
#include "devices/irq.h"
#include "devices/pc/byte_ports.h"
#include "devices/state_io.h"

namespace pvlab {

struct CmosConfig {
  uint64_t ram_bytes = 0;
  int64_t epoch = 1704067200;   // 2024-01-01 00:00:00 UTC
};

// Broken-down RTC time.
struct RtcTime {
  int year = 1970, month = 1, day = 1, hour = 0, minute = 0, second = 0;
  int weekday = 5;   // 1 = Sunday ... 7 = Saturday
};
RtcTime rtc_from_seconds(int64_t secs);
int64_t rtc_to_seconds(const RtcTime& t);

class Cmos final : public BytePorts {
 public:
  static constexpr uint64_t kRtcHz = 32768;
  static constexpr uint8_t kRegA = 0x0a, kRegB = 0x0b, kRegC = 0x0c, kRegD = 0x0d;
  static constexpr uint8_t kCentury = 0x32;

  Cmos(DeviceClock& clock, IrqLine irq8, const CmosConfig& cfg = {});

  // Ports 0x70-0x71.
  void map(Bus& bus);

  bool nmi_enabled() const { return !nmi_disabled_; }
  // The RTC's time now, in seconds since 1970-01-01 UTC.
  int64_t rtc_seconds() const;
  // A register as a read would return it, without side effects (register C keeps its flags).
  uint8_t peek(unsigned index) const;
  // Store a byte of CMOS RAM (machine set-up: boot flags, drive types). Not for 0x00-0x0D.
  void poke(unsigned index, uint8_t value);
  // Recompute the checksum over 0x10-0x2D into 0x2E-0x2F.
  void update_checksum();

  void save(StateWriter& w) const;
  bool load(StateReader& r);

 protected:
  uint8_t in8(uint16_t port) override;
  void out8(uint16_t port, uint8_t value) override;

 private:
  bool running() const;
  bool bcd() const { return !(ram_[kRegB] & 0x04); }
  uint8_t encode(int v) const;
  int decode(uint8_t v) const;
  uint8_t encode_hour(int h) const;
  uint8_t time_register(unsigned index, const RtcTime& t) const;
  void write_time_register(unsigned index, uint8_t v);
  void write_reg_a(uint8_t v);
  void write_reg_b(uint8_t v);
  uint8_t read_reg_c();
  uint8_t lazy_flags(uint64_t now) const;
  bool alarm_matches(const RtcTime& t) const;
  uint64_t periodic_ticks() const;   // period in 32768 Hz ticks, 0 when off
  RtcTime rtc_time() const;
  static RtcTime normalized(RtcTime t);
  void set_running(bool was, int64_t secs_before);
  void rearm();
  void update_irq();
  void on_periodic(uint64_t when);
  void on_update(uint64_t when);

  DeviceClock& clock_;
  IrqLine irq8_;
  DeviceClock::TimerId periodic_timer_, update_timer_;
  // State.
  uint8_t ram_[128] = {};
  uint8_t index_ = 0;
  bool nmi_disabled_ = false;
  int64_t base_secs_ = 0;     // RTC time at base_cycle_ while the clock runs
  uint64_t base_cycle_ = 0;   // cycle at which a second of the running clock began
  RtcTime held_;              // the time fields while the clock is stopped, as written
  uint8_t flags_ = 0;         // register C bits 4-6 set by interrupts since the last read
  uint64_t last_c_read_ = 0;  // cycle of the last register C read (polled flags)
};

}  // namespace pvlab
