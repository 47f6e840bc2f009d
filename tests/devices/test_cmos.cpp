// CMOS and RTC: time from an epoch and the cycle counter in every format, UIP, the periodic,
// update and alarm interrupts, register C, setting the clock, memory size fields and NMI.
#include <doctest/doctest.h>

#include "devices/pc/cmos.h"
#include "tests/devices/helpers.h"

using namespace pvlab;
using pvlab::test::RecordingIrq;
using pvlab::test::run_until;

namespace {
constexpr uint64_t kSec = 1'000'000'000;   // cycles per second at the default 1 GHz

struct Rig {
  explicit Rig(CmosConfig cfg = {}) : cmos(clk, IrqLine(&rec, 8), cfg) {}
  DeviceClock clk;
  RecordingIrq rec{clk};
  Cmos cmos;

  uint8_t rd(uint8_t index) {
    cmos.out(0x70, 1, index);
    return uint8_t(cmos.in(0x71, 1));
  }
  void wr(uint8_t index, uint8_t v) {
    cmos.out(0x70, 1, index);
    cmos.out(0x71, 1, v);
  }
  bool irq() const { return rec.levels[8]; }
};
}  // namespace

TEST_CASE("cmos: calendar conversions") {
  RtcTime t = rtc_from_seconds(0);
  CHECK(t.year == 1970);
  CHECK(t.weekday == 5);   // Thursday
  t = rtc_from_seconds(951782400);   // 2000-02-29, a Tuesday
  CHECK(t.year == 2000);
  CHECK(t.month == 2);
  CHECK(t.day == 29);
  CHECK(t.weekday == 3);
  t = rtc_from_seconds(4102444800);  // 2100-01-01, a Friday
  CHECK(t.year == 2100);
  CHECK(t.month == 1);
  CHECK(t.day == 1);
  CHECK(t.weekday == 6);
  for (int64_t s = -86400LL * 365 * 3; s < 86400LL * 365 * 200; s += 7777777)
    CHECK(rtc_to_seconds(rtc_from_seconds(s)) == s);
}

TEST_CASE("cmos: RTC time for a given epoch and cycle count") {
  Rig r;   // 2024-01-01 00:00:00 UTC, a Monday
  r.clk.set_now(3661 * kSec + kSec / 2);
  CHECK(r.rd(0x00) == 0x01);
  CHECK(r.rd(0x02) == 0x01);
  CHECK(r.rd(0x04) == 0x01);
  CHECK(r.rd(0x06) == 0x02);
  CHECK(r.rd(0x07) == 0x01);
  CHECK(r.rd(0x08) == 0x01);
  CHECK(r.rd(0x09) == 0x24);
  CHECK(r.rd(0x32) == 0x20);
  CHECK(r.cmos.rtc_seconds() == 1704067200 + 3661);

  CmosConfig cfg;
  cfg.epoch = 951782399;   // 2000-02-28 23:59:59
  Rig l(cfg);
  l.clk.set_now(kSec);
  CHECK(l.rd(0x07) == 0x29);
  CHECK(l.rd(0x08) == 0x02);
  CHECK(l.rd(0x09) == 0x00);
  CHECK(l.rd(0x04) == 0x00);
  CHECK(l.rd(0x06) == 0x03);
}

TEST_CASE("cmos: binary and 12-hour formats") {
  Rig r;
  r.clk.set_now((13 * 3600 + 5 * 60 + 9) * kSec);
  CHECK(r.rd(0x04) == 0x13);
  r.wr(0x0b, 0x06);   // binary, 24 h
  CHECK(r.rd(0x04) == 13);
  CHECK(r.rd(0x00) == 9);
  CHECK(r.rd(0x09) == 24);
  r.wr(0x0b, 0x00);   // BCD, 12 h
  CHECK(r.rd(0x04) == 0x81);
  r.wr(0x0b, 0x04);   // binary, 12 h
  CHECK(r.rd(0x04) == 0x81);
  r.clk.set_now(5 * kSec);
  r.wr(0x0b, 0x00);
  CHECK(r.rd(0x04) == 0x12);   // midnight is 12 AM
}

TEST_CASE("cmos: UIP reads 1 in the 244 us before each update") {
  Rig r;
  r.clk.set_now(7 * kSec - 244000);
  CHECK((r.rd(0x0a) & 0x80) == 0x80);
  CHECK(r.rd(0x0a) == (0x80 | 0x26));
  r.clk.set_now(7 * kSec - 244001);
  CHECK((r.rd(0x0a) & 0x80) == 0);
  r.clk.set_now(7 * kSec);
  CHECK((r.rd(0x0a) & 0x80) == 0);
  r.wr(0x0b, 0x82);   // SET: no updates, no UIP
  r.clk.set_now(8 * kSec - 1000);
  CHECK((r.rd(0x0a) & 0x80) == 0);
}

TEST_CASE("cmos: periodic interrupt and register C read-to-clear") {
  Rig r;
  r.wr(0x0a, 0x26);   // 1024 Hz
  r.wr(0x0b, 0x42);   // PIE
  const uint64_t first = r.clk.cycle_of_tick(32, Cmos::kRtcHz);
  CHECK(first == 976563);
  run_until(r.clk, first - 1);
  CHECK(!r.irq());
  run_until(r.clk, first);
  CHECK(r.irq());
  CHECK(r.rd(0x0c) == 0xc0);   // IRQF | PF
  CHECK(!r.irq());
  CHECK(r.rd(0x0c) == 0x00);
  run_until(r.clk, r.clk.cycle_of_tick(64, Cmos::kRtcHz));
  CHECK(r.irq());
  // Without a read of C the line stays high: no further edges.
  run_until(r.clk, r.clk.cycle_of_tick(320, Cmos::kRtcHz));
  CHECK(r.rec.rises(8).size() == 2);
  r.rd(0x0c);
  run_until(r.clk, r.clk.cycle_of_tick(352, Cmos::kRtcHz));
  CHECK(r.rec.rises(8).size() == 3);
  // 2 Hz.
  r.wr(0x0a, 0x2f);
  r.rd(0x0c);
  const uint64_t t = r.clk.ticks_at(r.clk.now(), Cmos::kRtcHz);
  run_until(r.clk, r.clk.cycle_of_tick((t / 16384 + 1) * 16384, Cmos::kRtcHz));
  CHECK(r.irq());
}

TEST_CASE("cmos: polled flags without interrupts") {
  Rig r;
  r.clk.set_now(2'000'000);
  CHECK(r.rd(0x0c) == 0x40);   // a periodic boundary passed: PF, but no IRQF
  CHECK(r.rd(0x0c) == 0x00);
  r.clk.set_now(kSec + 10);
  CHECK(r.rd(0x0c) == 0x50);   // PF and UF (a second went by)
  CHECK(!r.irq());
}

TEST_CASE("cmos: update-ended and alarm interrupts") {
  Rig r;
  r.wr(0x0b, 0x12);   // UIE
  run_until(r.clk, kSec);
  CHECK(r.irq());
  CHECK(r.rd(0x0c) == 0xd0);   // IRQF, UF, and PF (the 1024 Hz rate runs without PIE)
  r.wr(0x0b, 0x22);   // AIE only, alarm at 00:00:05
  r.wr(0x01, 0x05);
  r.wr(0x03, 0x00);
  r.wr(0x05, 0x00);
  run_until(r.clk, 5 * kSec - 1);
  CHECK(!r.irq());
  run_until(r.clk, 5 * kSec);
  CHECK(r.irq());
  CHECK(r.rd(0x0c) == 0xf0);   // IRQF, PF, AF, UF
  // "Don't care" hours and minutes: every minute at :05.
  r.wr(0x03, 0xc0);
  r.wr(0x05, 0xff);
  run_until(r.clk, 65 * kSec);
  CHECK(r.irq());
  CHECK(r.rec.rises(8) == std::vector<uint64_t>{kSec, 5 * kSec, 65 * kSec});
}

TEST_CASE("cmos: setting the clock with SET, field by field") {
  Rig r;
  r.clk.set_now(100 * kSec + 1234);
  r.wr(0x0b, 0x82);          // SET: the clock stops
  r.wr(0x07, 0x30);          // day 30 while the month is still January
  r.wr(0x08, 0x04);          // April
  CHECK(r.rd(0x07) == 0x30);
  r.wr(0x09, 0x99);
  r.wr(0x32, 0x19);
  r.wr(0x04, 0x23);
  r.wr(0x02, 0x59);
  r.wr(0x00, 0x58);
  r.wr(0x06, 0x01);          // ignored: the weekday follows the date
  r.clk.set_now(500 * kSec);
  CHECK(r.rd(0x00) == 0x58);   // stopped
  r.wr(0x0b, 0x02);          // run again from 1999-04-30 23:59:58
  CHECK(r.rd(0x06) == 0x06);   // a Friday
  r.clk.set_now(502 * kSec);
  CHECK(r.rd(0x00) == 0x00);
  CHECK(r.rd(0x02) == 0x00);
  CHECK(r.rd(0x04) == 0x00);
  CHECK(r.rd(0x07) == 0x01);
  CHECK(r.rd(0x08) == 0x05);
  CHECK(r.rd(0x09) == 0x99);
  CHECK(r.rd(0x32) == 0x19);
  CHECK(r.rd(0x06) == 0x07);
  // Writing a field of the running clock keeps the phase of the second.
  r.clk.set_now(502 * kSec + kSec / 2);
  r.wr(0x00, 0x30);
  CHECK(r.rd(0x00) == 0x30);
  r.clk.set_now(503 * kSec);
  CHECK(r.rd(0x00) == 0x31);
}

TEST_CASE("cmos: SET clears UIE; registers C and D are read-only") {
  Rig r;
  r.wr(0x0b, 0x92);
  CHECK(r.rd(0x0b) == 0x82);
  r.wr(0x0d, 0x00);
  CHECK(r.rd(0x0d) == 0x80);
  r.wr(0x40, 0x5a);
  CHECK(r.rd(0x40) == 0x5a);
}

TEST_CASE("cmos: memory size fields and checksum") {
  CmosConfig cfg;
  cfg.ram_bytes = 64u << 20;
  Rig r(cfg);
  CHECK((r.rd(0x15) | r.rd(0x16) << 8) == 640);
  CHECK((r.rd(0x17) | r.rd(0x18) << 8) == 63 * 1024);
  CHECK((r.rd(0x30) | r.rd(0x31) << 8) == 63 * 1024);
  CHECK((r.rd(0x34) | r.rd(0x35) << 8) == 48 * 16);
  unsigned sum = 0;
  for (uint8_t i = 0x10; i <= 0x2d; ++i) sum += r.rd(i);
  CHECK((r.rd(0x2e) << 8 | r.rd(0x2f)) == sum);

  cfg.ram_bytes = 4u << 20;
  Rig s(cfg);
  CHECK((s.rd(0x17) | s.rd(0x18) << 8) == 3 * 1024);
  CHECK((s.rd(0x34) | s.rd(0x35) << 8) == 0);

  cfg.ram_bytes = 256u << 20;
  Rig b(cfg);
  CHECK((b.rd(0x17) | b.rd(0x18) << 8) == 0xffff);
  CHECK((b.rd(0x34) | b.rd(0x35) << 8) == 240 * 16);
}

TEST_CASE("cmos: NMI mask bit in the index port") {
  Rig r;
  CHECK(r.cmos.nmi_enabled());
  r.cmos.out(0x70, 1, 0x8f);
  CHECK(!r.cmos.nmi_enabled());
  CHECK(r.cmos.in(0x70, 1) == 0x8f);
  r.cmos.out(0x70, 1, 0x0f);
  CHECK(r.cmos.nmi_enabled());
}

TEST_CASE("cmos: state round-trips") {
  Rig a;
  a.wr(0x0b, 0x82);
  a.wr(0x07, 0x15);
  a.wr(0x40, 0x77);
  a.rd(0x0c);
  StateWriter w;
  a.cmos.save(w);
  Rig b;
  StateReader rd(w.data());
  REQUIRE(b.cmos.load(rd));
  StateWriter w2;
  b.cmos.save(w2);
  CHECK(w2.data() == w.data());
  CHECK(b.rd(0x07) == 0x15);
  CHECK(b.rd(0x40) == 0x77);
}
