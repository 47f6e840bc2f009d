// The 16550A as drivers use it: divisor and line setup, transmit to the sink, receive from
// the input queue, interrupt identification and priorities, the character timeout, loopback,
// overrun, and polled use without FIFOs.
#include <doctest/doctest.h>

#include <string>

#include "devices/pc/uart16550.h"
#include "tests/devices/helpers.h"

using namespace pvlab;
using namespace pvlab::uart;
using pvlab::test::RecordingIrq;
using pvlab::test::run_until;

namespace {
struct Rig {
  DeviceClock clk;
  RecordingIrq rec{clk};
  InputQueue q;
  std::string sent;
  Uart16550 u{clk, IrqLine(&rec, 4), &q, [this](uint8_t b) { sent.push_back(char(b)); }};

  void outb(unsigned reg, uint8_t v) { u.out(uint16_t(0x3f8 + reg), 1, v); }
  uint8_t inb(unsigned reg) { return uint8_t(u.in(uint16_t(0x3f8 + reg), 1)); }
  bool irq() const { return rec.levels[4]; }
  // 115200 8N1, FIFOs on with the given trigger bits, DTR/RTS/OUT2.
  void setup(uint8_t fcr = 0xc7) {
    outb(3, 0x80);
    outb(0, 0x01);
    outb(1, 0x00);
    outb(3, 0x03);
    outb(2, fcr);
    outb(4, kMcrDtr | kMcrRts | kMcrOut2);
  }
  std::string drain() {
    std::string s;
    while (inb(5) & kLsrDr) s.push_back(char(inb(0)));
    return s;
  }
};
}  // namespace

TEST_CASE("uart: divisor latch, line setup and transmit") {
  Rig r;
  CHECK(r.inb(5) == 0x60);   // THR and transmitter empty
  CHECK(r.inb(2) == 0x01);   // no interrupt, FIFOs off
  r.setup();
  r.outb(3, 0x83);
  CHECK(r.inb(0) == 0x01);   // DLL with DLAB
  CHECK(r.inb(1) == 0x00);
  r.outb(3, 0x03);
  CHECK(r.inb(3) == 0x03);
  CHECK(r.inb(2) == 0xc1);   // FIFOs enabled, nothing pending
  for (char c : std::string("hi\n")) r.outb(0, uint8_t(c));
  CHECK(r.sent == "hi\n");
  CHECK(r.inb(5) == 0x60);
  r.outb(7, 0xa5);
  CHECK(r.inb(7) == 0xa5);   // scratch
  // 8N1 at divisor 1: 10 bits of 16 clocks at 1.8432 MHz = 86.8 us.
  CHECK(r.u.char_cycles() == 86806);
}

TEST_CASE("uart: THR-empty interrupt, its acknowledge and OUT2 gating") {
  Rig r;
  r.setup();
  r.outb(1, kIerThre);
  CHECK(r.inb(2) == 0xc2);   // reading IIR reports it ...
  CHECK(r.inb(2) == 0xc1);   // ... and acknowledges it
  CHECK(!r.irq());
  r.outb(0, 'x');            // the byte leaves at once: THR empty again
  CHECK(r.irq());
  CHECK(r.inb(2) == 0xc2);
  CHECK(!r.irq());
  r.outb(0, 'y');
  r.outb(4, kMcrDtr | kMcrRts);   // OUT2 off: the PC's IRQ gate closes
  CHECK(!r.irq());
  CHECK(r.inb(2) == 0xc2);        // the UART still has the interrupt
  r.outb(1, 0);
  r.outb(1, kIerThre);            // enabling it while THR is empty raises it again
  r.outb(4, kMcrDtr | kMcrRts | kMcrOut2);
  CHECK(r.irq());
}

TEST_CASE("uart: input arrives at its stamp; the character timeout reports a short burst") {
  Rig r;
  r.setup();                 // trigger level 14
  r.outb(1, kIerRda);
  r.q.push(1000, input_source::kCom1, "hello");
  run_until(r.clk, 999);
  CHECK((r.inb(5) & kLsrDr) == 0);
  run_until(r.clk, 1000);
  CHECK(r.u.state().rx_count == 5);
  CHECK(r.inb(2) == 0xc1);   // below the trigger level, no timeout yet
  const uint64_t timeout = 1000 + 4 * r.u.char_cycles();
  run_until(r.clk, timeout - 1);
  CHECK(!r.irq());
  run_until(r.clk, timeout);
  CHECK(r.irq());
  CHECK(r.inb(2) == 0xcc);   // character timeout
  CHECK(r.inb(0) == 'h');    // a read clears it
  CHECK(r.inb(2) == 0xc1);
  CHECK(!r.irq());
  CHECK(r.drain() == "ello");
}

TEST_CASE("uart: received-data interrupt at the trigger level") {
  Rig r;
  r.setup(0x41);             // trigger level 4
  r.outb(1, kIerRda);
  r.q.push(50, input_source::kCom1, "abc");
  run_until(r.clk, 50);
  CHECK(r.inb(2) == 0xc1);
  r.q.push(60, input_source::kCom1, "d");
  run_until(r.clk, 60);
  CHECK(r.inb(2) == 0xc4);
  CHECK(r.irq());
  CHECK(r.inb(0) == 'a');    // below the trigger again
  CHECK(r.inb(2) == 0xc1);
}

TEST_CASE("uart: nothing typed is lost when the FIFO is full") {
  Rig r;
  r.setup();
  std::string text = "the quick brown fox jumps over the lazy dog";
  r.q.push(10, input_source::kCom1, text);
  run_until(r.clk, 10);
  CHECK(r.u.state().rx_count == 16);
  CHECK(r.drain() == text);
  CHECK((r.inb(5) & kLsrOe) == 0);
}

TEST_CASE("uart: polled use without FIFOs") {
  Rig r;
  r.setup(0x00);
  CHECK(r.inb(2) == 0x01);
  r.q.push(0, input_source::kCom1, "ok");
  run_until(r.clk, 0);
  CHECK(r.u.state().rx_count == 1);
  CHECK(r.inb(5) == 0x61);
  CHECK(r.inb(0) == 'o');
  CHECK(r.inb(5) == 0x61);   // the next byte came in as soon as there was room
  CHECK(r.inb(0) == 'k');
  CHECK(r.inb(5) == 0x60);
}

TEST_CASE("uart: loopback mode") {
  Rig r;
  r.setup();
  r.outb(1, kIerRda);
  r.outb(2, 0x07);           // trigger level 1
  r.outb(4, kMcrLoop | kMcrOut2 | kMcrRts);
  CHECK((r.inb(6) & 0xf0) == (kMsrDcd | kMsrCts));   // MSR mirrors MCR
  r.q.push(0, input_source::kCom1, "z");   // the serial input is disconnected
  r.outb(0, 0x5a);
  CHECK(r.sent.empty());
  CHECK(r.inb(2) == 0xc4);   // interrupt identification works in loopback ...
  CHECK(!r.irq());           // ... but the IRQ pin is not driven
  CHECK(r.inb(0) == 0x5a);
  CHECK((r.inb(5) & kLsrDr) == 0);
  // Delta bits.
  r.outb(4, kMcrLoop);
  CHECK(r.inb(6) == 0x09);   // CTS and DCD changed
  CHECK(r.inb(6) == 0x00);
  r.outb(4, kMcrLoop | kMcrOut1);
  CHECK(r.inb(6) == kMsrRi);   // RI rising is not a delta
  r.outb(4, kMcrLoop);
  CHECK(r.inb(6) == 0x04);     // trailing edge of RI
  r.outb(1, kIerMsi);
  r.outb(4, kMcrLoop | kMcrDtr);
  CHECK(r.inb(2) == 0xc0);     // modem status interrupt
  CHECK(r.inb(6) == (kMsrDsr | 0x02));
  CHECK(r.inb(2) == 0xc1);
  // Leaving loopback takes the waiting input.
  r.outb(4, kMcrOut2);
  CHECK(r.drain() == "z");
}

TEST_CASE("uart: overrun and interrupt priorities") {
  Rig r;
  r.setup(0x00);             // no FIFO: one byte of room
  r.outb(4, kMcrLoop);
  r.outb(1, kIerRda | kIerThre | kIerRls);
  r.outb(0, '1');
  r.outb(0, '2');            // overruns
  CHECK(r.inb(2) == 0x06);   // line status first
  CHECK(r.inb(5) == (kLsrDr | kLsrOe | kLsrThre | kLsrTemt));
  CHECK(r.inb(2) == 0x04);   // then received data
  CHECK(r.inb(0) == '1');
  CHECK(r.inb(2) == 0x02);   // then THR empty
  CHECK(r.inb(2) == 0x01);
}

TEST_CASE("uart: state round-trips") {
  Rig a;
  a.setup();
  a.outb(1, kIerRda);
  a.q.push(5, input_source::kCom1, "abcdef");
  run_until(a.clk, 5);
  a.inb(0);
  StateWriter wc, wq, wu;
  a.clk.save(wc);
  a.q.save(wq);
  a.u.save(wu);
  Rig b;
  StateReader rc(wc.data()), rq(wq.data()), ru(wu.data());
  REQUIRE(b.clk.load(rc));
  REQUIRE(b.q.load(rq));
  REQUIRE(b.u.load(ru));
  run_until(a.clk, 10'000'000);
  run_until(b.clk, 10'000'000);
  CHECK(a.inb(2) == b.inb(2));
  CHECK(a.drain() == "bcdef");
  CHECK(b.drain() == "bcdef");
  // A UART at another port refuses the state.
  DeviceClock clk;
  UartConfig cfg;
  cfg.base = 0x2f8;
  Uart16550 other(clk, {}, nullptr, nullptr, cfg);
  StateReader r2(wu.data());
  CHECK(!other.load(r2));
}
