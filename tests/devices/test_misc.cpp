// POST codes, the A20 gate through port 0x92 and the 8042, resets, and the Bus wiring of the
// small ports.
#include <doctest/doctest.h>

#include "devices/pc/misc.h"
#include "tests/devices/helpers.h"

using namespace pvlab;
using pvlab::test::RecordingIrq;

TEST_CASE("misc: POST codes are kept with their cycle") {
  DeviceClock clk;
  PostCodes post(clk);
  std::vector<uint32_t> live;
  post.set_listener([&](const PostCode& c) { live.push_back(c.value); });
  clk.set_now(100);
  post.out(0x80, 1, 0x12);
  clk.set_now(200);
  post.out(0x190, 2, 0xbeef);
  REQUIRE(post.codes().size() == 2);
  CHECK(post.codes()[0].cycle == 100);
  CHECK(post.codes()[0].port == 0x80);
  CHECK(post.codes()[0].value == 0x12);
  CHECK(post.codes()[1].size == 2);
  CHECK(post.codes()[1].value == 0xbeef);
  CHECK(post.in(0x80, 1) == 0x12);
  CHECK(live == std::vector<uint32_t>{0x12, 0xbeef});
  // Port 0x80 as an I/O delay: only the most recent codes stay.
  for (unsigned i = 0; i < 5000; ++i) post.out(0x80, 1, i & 0xff);
  CHECK(post.codes().size() == PostCodes::kKept);
  CHECK(post.total() == 5002);
  CHECK(post.codes().back().value == (4999 & 0xff));
}

TEST_CASE("misc: A20 through the 8042 output port and port 0x92") {
  SystemPorts sys;
  std::vector<bool> a20;
  sys.set_a20_listener([&](bool on) { a20.push_back(on); });
  CHECK(sys.a20_enabled());                  // as a BIOS leaves it
  CHECK((sys.in(0x64, 1) & 0x02) == 0);      // input buffer empty: ready
  // The classic sequence: 0xD1 then the output port byte with bit 1 clear.
  sys.out(0x64, 1, 0xd1);
  sys.out(0x60, 1, 0xdd);
  CHECK(!sys.a20_enabled());
  sys.out(0x64, 1, 0xd0);                    // read the output port back
  CHECK((sys.in(0x64, 1) & 0x01) == 0x01);
  CHECK(sys.in(0x60, 1) == 0xdd);
  CHECK((sys.in(0x64, 1) & 0x01) == 0);
  sys.out(0x64, 1, 0xd1);
  sys.out(0x60, 1, 0xdf);
  CHECK(sys.a20_enabled());
  sys.out(0x64, 1, 0xdd);                    // disable-A20 command
  CHECK(!sys.a20_enabled());
  // Fast A20.
  sys.out(0x92, 1, 0x02);
  CHECK(sys.a20_enabled());
  CHECK(sys.in(0x92, 1) == 0x02);
  sys.out(0x64, 1, 0xdf);                    // both on; turning one off keeps A20
  sys.out(0x92, 1, 0x00);
  CHECK(sys.a20_enabled());
  CHECK(a20 == std::vector<bool>{false, true, false, true});
}

TEST_CASE("misc: resets from port 0x92, 0xFE and the output port") {
  SystemPorts sys;
  int resets = 0;
  sys.set_reset_listener([&] { ++resets; });
  sys.out(0x92, 1, 0x03);
  CHECK(resets == 1);
  sys.out(0x92, 1, 0x03);   // bit 0 already set: no new reset
  CHECK(resets == 1);
  sys.out(0x92, 1, 0x02);
  sys.out(0x64, 1, 0xfe);
  CHECK(resets == 2);
  sys.out(0x64, 1, 0xff);   // pulses nothing
  CHECK(resets == 2);
  sys.out(0x64, 1, 0xd1);
  sys.out(0x60, 1, 0x02);   // reset line low
  CHECK(resets == 3);
}

TEST_CASE("misc: 8042 command byte, self tests and keyboard acknowledges") {
  DeviceClock clk;
  RecordingIrq rec(clk);
  SystemPorts sys(IrqLine(&rec, 1));
  sys.out(0x64, 1, 0xaa);
  CHECK(sys.in(0x60, 1) == 0x55);
  sys.out(0x64, 1, 0x20);
  CHECK(sys.in(0x60, 1) == 0x45);
  sys.out(0x64, 1, 0x60);
  sys.out(0x60, 1, 0x44);   // keyboard interrupt off
  CHECK(sys.command_byte() == 0x44);
  CHECK((sys.in(0x64, 1) & 0x08) == 0);   // last write went to the data port
  sys.out(0x60, 1, 0xff);   // keyboard reset
  CHECK(sys.in(0x60, 1) == 0xfa);
  CHECK(sys.in(0x60, 1) == 0xaa);
  CHECK(rec.rises(1).empty());
  sys.out(0x64, 1, 0x60);
  sys.out(0x60, 1, 0x45);
  sys.out(0x60, 1, 0xf2);   // identify: interrupts now
  CHECK(rec.rises(1).size() == 3);
  CHECK(sys.in(0x60, 1) == 0xfa);
  CHECK(sys.in(0x60, 1) == 0xab);
  CHECK(sys.in(0x60, 1) == 0x83);
  CHECK((sys.in(0x64, 1) & 0x01) == 0);
}

TEST_CASE("misc: the devices map onto the bus") {
  PhysMem ram(1u << 20);
  Bus bus(ram);
  DeviceClock clk;
  PostCodes post(clk);
  SystemPorts sys;
  post.map(bus);
  sys.map(bus);
  bus.port_out(0x80, 1, 0x42);
  CHECK(post.codes().back().value == 0x42);
  CHECK(bus.port_in(0x92, 1) == 0x00);
  CHECK((bus.port_in(0x64, 1) & 0x04) == 0x04);   // system flag
  CHECK(bus.unknown_ports().empty());
  StateWriter w;
  sys.save(w);
  post.save(w);
  SystemPorts sys2;
  PostCodes post2(clk);
  StateReader r(w.data());
  REQUIRE(sys2.load(r));
  REQUIRE(post2.load(r));
  CHECK(r.at_end());
  CHECK(post2.codes().back().value == 0x42);
}
