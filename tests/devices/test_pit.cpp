// The 8254 as guests program it: periods of modes 2 and 3 in cycles, mode 0's terminal count,
// latches and read-back, BCD, gates through port 0x61, and the IRQ 0 edges.
#include <doctest/doctest.h>

#include "devices/pc/pit.h"
#include "tests/devices/helpers.h"

using namespace pvlab;
using pvlab::test::RecordingIrq;
using pvlab::test::run_until;

namespace {
struct Rig {
  DeviceClock clk;
  RecordingIrq rec{clk};
  Pit pit{clk, IrqLine(&rec, 0)};

  uint64_t cyc(uint64_t tick) const { return clk.cycle_of_tick(tick, Pit::kHz); }
  void to_tick(uint64_t t) { run_until(clk, cyc(t)); }
  void outb(uint16_t port, uint8_t v) { pit.out(port, 1, v); }
  uint8_t inb(uint16_t port) { return uint8_t(pit.in(port, 1)); }
  void count(unsigned ch, uint16_t n) {
    outb(uint16_t(0x40 + ch), uint8_t(n));
    outb(uint16_t(0x40 + ch), uint8_t(n >> 8));
  }
  uint16_t latch(unsigned ch) {
    outb(0x43, uint8_t(ch << 6));
    uint16_t lo = inb(uint16_t(0x40 + ch));
    return uint16_t(lo | inb(uint16_t(0x40 + ch)) << 8);
  }
  std::vector<uint64_t> rises_after(uint64_t cycle) const {
    std::vector<uint64_t> r;
    for (uint64_t c : rec.rises(0))
      if (c > cycle) r.push_back(c);
    return r;
  }
};
}  // namespace

TEST_CASE("pit: after reset nothing is scheduled until the guest loads a count") {
  Rig r;
  CHECK(r.clk.next_deadline() == DeviceClock::kNever);
  CHECK(r.pit.channel(0).mode == 3);
  CHECK(r.pit.output(0));
  CHECK(r.pit.channel(1).mode == 2);
  CHECK(r.pit.channel(1).reload == 18);
  // The BIOS's 18.2 Hz: mode 3 with count 65536, a rising edge every 65536 ticks.
  r.outb(0x43, 0x36);
  r.count(0, 0);
  r.to_tick(65536 * 3 + 10);
  auto rises = r.rises_after(0);
  REQUIRE(rises.size() == 3);
  CHECK(rises[0] == r.cyc(1 + 65536));
  CHECK(rises[2] == r.cyc(1 + 3 * 65536));
}

TEST_CASE("pit: mode 2 rate generator period in cycles") {
  Rig r;
  r.to_tick(5);
  r.outb(0x43, 0x34);        // channel 0, LSB then MSB, mode 2
  r.count(0, 1193);          // ~1 ms
  const uint64_t start = r.clk.now();
  r.to_tick(5 + 1 + 1193 * 10);
  auto rises = r.rises_after(start);
  REQUIRE(rises.size() == 10);
  for (unsigned k = 0; k < 10; ++k) CHECK(rises[k] == r.cyc(6 + 1193 * (k + 1)));
  // 1193 ticks of 1.193182 MHz at 1 GHz: 999,847.6 cycles.
  for (unsigned k = 1; k < 10; ++k) {
    const uint64_t d = rises[k] - rises[k - 1];
    CHECK(d >= 999847);
    CHECK(d <= 999848);
  }
  // OUT is low for exactly the tick before each reload.
  CHECK(r.pit.output(0));
  r.to_tick(6 + 1193 * 11 - 1);
  CHECK(!r.pit.output(0));
  CHECK(r.latch(0) == 1);
  r.to_tick(6 + 1193 * 11);
  CHECK(r.pit.output(0));
  CHECK(r.latch(0) == 1193);
}

TEST_CASE("pit: mode 3 square wave, even and odd counts") {
  Rig r;
  r.outb(0x43, 0x36);
  r.count(0, 100);           // written at tick 0, loaded at tick 1
  const uint64_t start = r.clk.now();
  r.to_tick(1 + 10);
  CHECK(r.pit.output(0));
  CHECK(r.latch(0) == 80);   // counts down by two
  r.to_tick(1 + 50);
  CHECK(!r.pit.output(0));      // low half
  r.to_tick(1 + 100);
  CHECK(r.pit.output(0));
  r.to_tick(1 + 100 * 5);
  auto rises = r.rises_after(start);
  REQUIRE(rises.size() == 5);
  for (unsigned k = 0; k < 5; ++k) CHECK(rises[k] == r.cyc(1 + 100 * (k + 1)));

  // Odd count: high one tick longer than low.
  r.outb(0x43, 0x36);
  r.count(0, 101);
  const uint64_t t0 = r.pit.tick() + 1;
  r.to_tick(t0 + 50);
  CHECK(r.pit.output(0));
  r.to_tick(t0 + 51);
  CHECK(!r.pit.output(0));
  r.to_tick(t0 + 100);
  CHECK(!r.pit.output(0));
  r.to_tick(t0 + 101);
  CHECK(r.pit.output(0));
}

TEST_CASE("pit: mode 0 interrupts on terminal count once") {
  Rig r;
  r.to_tick(100);
  r.outb(0x43, 0x30);        // channel 0, LSB then MSB, mode 0
  CHECK(!r.rec.levels[0]);   // OUT low at the control word
  r.count(0, 1000);
  const uint64_t start = r.clk.now();
  r.to_tick(101 + 300);
  CHECK(r.latch(0) == 700);
  r.to_tick(101 + 999);
  CHECK(!r.pit.output(0));
  r.to_tick(101 + 1000);     // N + 1 ticks after the write
  CHECK(r.pit.output(0));
  r.to_tick(101 + 5000);
  auto rises = r.rises_after(start);
  REQUIRE(rises.size() == 1);
  CHECK(rises[0] == r.cyc(101 + 1000));
  CHECK(r.latch(0) == uint16_t(65536 - 4000));   // the counter wraps and goes on
}

TEST_CASE("pit: mode 0 two-byte write stops the count at the first byte") {
  Rig r;
  r.outb(0x43, 0x30);
  r.count(0, 500);
  r.to_tick(100);
  r.outb(0x40, 0x20);        // LSB of a new count: counting stops, OUT stays low
  const uint16_t held = r.latch(0);
  r.to_tick(700);
  CHECK(!r.pit.output(0));
  CHECK(r.latch(0) == held);
  r.outb(0x40, 0x00);        // MSB: count 0x0020 = 32 loads at the next tick
  r.to_tick(700 + 1 + 32);
  CHECK(r.pit.output(0));
}

TEST_CASE("pit: mode 2 takes a new count at the end of the period") {
  Rig r;
  r.outb(0x43, 0x34);
  r.count(0, 1000);          // rises at 1001, 2001, ...
  const uint64_t start = r.clk.now();
  r.to_tick(500);
  r.count(0, 400);
  r.to_tick(1001 + 400 * 2);
  auto rises = r.rises_after(start);
  REQUIRE(rises.size() == 3);
  CHECK(rises[0] == r.cyc(1001));
  CHECK(rises[1] == r.cyc(1401));
  CHECK(rises[2] == r.cyc(1801));
}

TEST_CASE("pit: mode 4 strobes once, N+1 ticks after the write") {
  Rig r;
  r.to_tick(10);
  r.outb(0x43, 0x38);
  r.count(0, 20);
  const uint64_t start = r.clk.now();
  r.to_tick(10 + 1 + 20 - 1);
  CHECK(r.pit.output(0));
  r.to_tick(10 + 1 + 20);
  CHECK(!r.pit.output(0));
  r.to_tick(10 + 1 + 21);
  CHECK(r.pit.output(0));
  r.to_tick(10 + 200000);
  auto rises = r.rises_after(start);
  REQUIRE(rises.size() == 1);
  CHECK(rises[0] == r.cyc(10 + 1 + 21));
}

TEST_CASE("pit: counter latch holds its value until read") {
  Rig r;
  r.outb(0x43, 0x34);
  r.count(0, 50000);
  r.to_tick(1 + 100);
  r.outb(0x43, 0x00);        // latch channel 0
  r.to_tick(1 + 5000);
  r.outb(0x43, 0x00);        // ignored: the first latch was not read yet
  CHECK(r.inb(0x40) == uint8_t(49900));
  CHECK(r.inb(0x40) == uint8_t(49900 >> 8));
  CHECK(r.latch(0) == 45000);
}

TEST_CASE("pit: read-back command returns status and count") {
  Rig r;
  r.to_tick(3);
  r.outb(0x43, 0xb0);        // channel 2, LSB then MSB, mode 0
  r.outb(0x43, 0xe8);        // read-back: status only, channel 2
  CHECK(r.inb(0x42) == 0x70);   // OUT low, null count, rw 3, mode 0, binary
  r.count(2, 100);
  r.outb(0x61, 0x01);        // gate on
  r.to_tick(3 + 2);
  r.outb(0x43, 0xc8);        // read-back: status and count, channel 2
  CHECK(r.inb(0x42) == 0x30);   // loaded: null count clear
  const uint16_t lo = r.inb(0x42);
  const uint16_t v = uint16_t(lo | r.inb(0x42) << 8);
  CHECK(v == 99);
  r.to_tick(3 + 200);
  r.outb(0x43, 0xe8);
  CHECK(r.inb(0x42) == 0xb0);   // OUT high after the terminal count
}

TEST_CASE("pit: BCD and single-byte access") {
  Rig r;
  r.outb(0x43, 0x31);        // channel 0, LSB then MSB, mode 0, BCD
  r.count(0, 0x1000);        // 1000 decimal
  r.to_tick(1 + 10);
  CHECK(r.latch(0) == 0x0990);
  r.outb(0x43, 0x10);        // LSB only, mode 0
  r.outb(0x40, 80);
  CHECK(r.pit.channel(0).reload == 80);
  r.to_tick(1 + 10 + 1 + 30);
  r.outb(0x43, 0x00);
  CHECK(r.inb(0x40) == 50);
  r.outb(0x43, 0x20);        // MSB only
  r.outb(0x40, 0x01);
  CHECK(r.pit.channel(0).reload == 256);
  r.outb(0x43, 0x30);
  r.count(0, 0);             // 0 means 65536
  CHECK(r.pit.channel(0).reload == 65536);
}

TEST_CASE("pit: port 0x61 gates channel 2 and shows its OUT and the refresh toggle") {
  Rig r;
  CHECK((r.inb(0x61) & 0x10) == 0);
  r.to_tick(18);
  CHECK((r.inb(0x61) & 0x10) == 0x10);
  r.to_tick(36);
  CHECK((r.inb(0x61) & 0x10) == 0);

  r.outb(0x43, 0xb0);        // channel 2, mode 0: the calibration idiom
  r.count(2, 100);
  r.to_tick(500);
  CHECK((r.inb(0x61) & 0x20) == 0);
  CHECK(r.latch(2) == 100);  // gate low: no counting
  r.outb(0x61, 0x03);        // gate on, speaker data on
  CHECK((r.inb(0x61) & 0x0f) == 0x03);
  r.to_tick(599);
  CHECK((r.inb(0x61) & 0x20) == 0);
  r.to_tick(600);
  CHECK((r.inb(0x61) & 0x20) == 0x20);
  r.outb(0x61, 0x00);
}

TEST_CASE("pit: gate-triggered modes 1 and 5 and a gated mode 2") {
  Rig r;
  r.outb(0x43, 0xb2);        // channel 2, mode 1
  r.count(2, 50);
  r.to_tick(100);
  CHECK(r.pit.output(2));       // waiting for a trigger
  r.outb(0x61, 0x01);        // rising gate at tick 100
  r.to_tick(101);
  CHECK(!r.pit.output(2));
  r.to_tick(101 + 49);
  CHECK(!r.pit.output(2));
  r.to_tick(101 + 50);
  CHECK(r.pit.output(2));
  r.outb(0x61, 0x00);
  r.outb(0x61, 0x01);        // retrigger
  r.to_tick(101 + 52);
  CHECK(!r.pit.output(2));

  r.outb(0x61, 0x00);
  r.outb(0x43, 0xba);        // mode 5
  r.count(2, 10);
  r.to_tick(1000);
  r.outb(0x61, 0x01);
  r.to_tick(1000 + 1 + 10);
  CHECK(!r.pit.output(2));
  r.to_tick(1000 + 1 + 11);
  CHECK(r.pit.output(2));

  r.outb(0x61, 0x00);
  r.outb(0x43, 0xb4);        // mode 2 waits for the gate
  r.count(2, 10);
  r.to_tick(2000);
  r.outb(0x61, 0x01);
  r.to_tick(2000 + 1 + 9);
  CHECK(!r.pit.output(2));
  r.outb(0x61, 0x00);        // a low gate forces OUT high and stops the count
  CHECK(r.pit.output(2));
}

TEST_CASE("pit: state round-trips and the copy keeps counting the same way") {
  Rig a;
  a.outb(0x43, 0x34);
  a.count(0, 3000);
  a.to_tick(4321);
  a.outb(0x43, 0x00);        // a pending latch is state too
  StateWriter wc, wp;
  a.clk.save(wc);
  a.pit.save(wp);
  Rig b;
  StateReader rc(wc.data()), rp(wp.data());
  REQUIRE(b.clk.load(rc));
  REQUIRE(b.pit.load(rp));
  CHECK(b.inb(0x40) == a.inb(0x40));
  CHECK(b.inb(0x40) == a.inb(0x40));
  a.to_tick(20000);
  b.to_tick(20000);
  CHECK(a.rises_after(a.cyc(4321)) == b.rises_after(b.cyc(4321)));
  StateWriter x, y;
  a.pit.save(x);
  b.pit.save(y);
  CHECK(x.data() == y.data());
}
