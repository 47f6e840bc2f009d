// The 8259A pair programmed the way kernels do it: ICW1-4, masks, EOIs, priorities,
// cascade, level triggering, poll mode, auto-EOI and spurious interrupts.
#include <doctest/doctest.h>

#include "devices/pc/pic.h"

using namespace pvlab;

namespace {
void outb(Pic& p, uint16_t port, uint8_t v) { p.out(port, 1, v); }
uint8_t inb(Pic& p, uint16_t port) { return uint8_t(p.in(port, 1)); }

// The classic remap: master at 0x20, slave at 0x28, cascade on IR2, 8086 mode.
void init_pair(Pic& p, uint8_t icw4 = 0x01) {
  outb(p, 0x20, 0x11);
  outb(p, 0xa0, 0x11);
  outb(p, 0x21, 0x20);
  outb(p, 0xa1, 0x28);
  outb(p, 0x21, 0x04);
  outb(p, 0xa1, 0x02);
  outb(p, 0x21, icw4);
  outb(p, 0xa1, icw4);
  outb(p, 0x21, 0x00);   // unmask everything
  outb(p, 0xa1, 0x00);
}
}  // namespace

TEST_CASE("pic: BIOS state masks everything but the cascade") {
  Pic p;
  CHECK(inb(p, 0x21) == 0xfb);
  CHECK(inb(p, 0xa1) == 0xff);
  p.raise_irq(0);
  CHECK(!p.pending());
  CHECK(p.chip(0).irr == 0x01);   // requests latch even when masked
}

TEST_CASE("pic: init, raise IRQ 0, acknowledge, EOI") {
  Pic p;
  init_pair(p);
  CHECK(p.chip(0).irr == 0);   // ICW1 restarted the edge detectors
  p.pulse_irq(0);
  REQUIRE(p.pending());
  CHECK(p.acknowledge() == 0x20);
  CHECK(p.chip(0).isr == 0x01);
  CHECK(p.chip(0).irr == 0x00);
  CHECK(!p.pending());
  // The same level again while in service waits for the EOI.
  p.pulse_irq(0);
  CHECK(p.chip(0).irr == 0x01);
  CHECK(!p.pending());
  outb(p, 0x20, 0x20);   // non-specific EOI
  CHECK(p.chip(0).isr == 0);
  CHECK(p.pending());
  CHECK(p.acknowledge() == 0x20);
  outb(p, 0x20, 0x60);   // specific EOI for level 0
  CHECK(p.chip(0).isr == 0);
}

TEST_CASE("pic: OCW3 selects IRR or ISR on the command port, data port reads IMR") {
  Pic p;
  init_pair(p);
  p.raise_irq(3);
  p.raise_irq(5);
  CHECK(inb(p, 0x20) == 0x28);   // IRR after init
  CHECK(p.acknowledge() == 0x23);
  outb(p, 0x20, 0x0b);
  CHECK(inb(p, 0x20) == 0x08);   // ISR
  outb(p, 0x20, 0x0a);
  CHECK(inb(p, 0x20) == 0x20);   // IRR
  outb(p, 0x21, 0x5a);
  CHECK(inb(p, 0x21) == 0x5a);
}

TEST_CASE("pic: fixed priority and nesting") {
  Pic p;
  init_pair(p);
  p.pulse_irq(3);
  p.pulse_irq(1);
  CHECK(p.acknowledge() == 0x21);   // IRQ 1 before IRQ 3
  CHECK(!p.pending());              // IRQ 3 is lower than the in-service IRQ 1
  p.pulse_irq(0);
  CHECK(p.pending());               // IRQ 0 nests above IRQ 1
  CHECK(p.acknowledge() == 0x20);
  CHECK(p.chip(0).isr == 0x03);
  outb(p, 0x20, 0x20);              // EOI clears the highest in service: IRQ 0
  CHECK(p.chip(0).isr == 0x02);
  outb(p, 0x20, 0x20);
  CHECK(p.acknowledge() == 0x23);
}

TEST_CASE("pic: cascade through IR2") {
  Pic p;
  init_pair(p);
  p.pulse_irq(8);
  REQUIRE(p.pending());
  CHECK(p.chip(0).irr == 0x04);
  CHECK(p.acknowledge() == 0x28);
  CHECK(p.chip(0).isr == 0x04);
  CHECK(p.chip(1).isr == 0x01);
  CHECK(!p.pending());
  p.pulse_irq(12);   // waits: IR2 is in service on the master
  CHECK(!p.pending());
  outb(p, 0xa0, 0x20);
  outb(p, 0x20, 0x20);
  CHECK(p.pending());
  CHECK(p.acknowledge() == 0x2c);
  // Masking the slave's line withdraws the master's request too.
  outb(p, 0xa0, 0x20);
  outb(p, 0x20, 0x20);
  outb(p, 0xa1, 0x01);
  p.pulse_irq(8);
  CHECK(!p.pending());
  outb(p, 0xa1, 0x00);
  CHECK(p.pending());
  CHECK(p.acknowledge() == 0x28);
}

TEST_CASE("pic: level triggering through the ELCR and spurious IRQ 7") {
  Pic p;
  init_pair(p);
  outb(p, 0x4d0, 0xff);
  CHECK(inb(p, 0x4d0) == 0xf8);   // IRQ 0-2 cannot be level triggered
  outb(p, 0x4d1, 0xff);
  CHECK(inb(p, 0x4d1) == 0xde);   // nor IRQ 8 and 13
  p.raise_irq(5);
  CHECK(p.pending());
  p.lower_irq(5);                  // the request goes away before the acknowledge
  CHECK(!p.pending());
  CHECK(p.acknowledge() == 0x27);  // spurious IRQ 7
  CHECK(p.chip(0).isr == 0);       // which is not put in service
  // A level that stays high asks again after the EOI.
  p.raise_irq(5);
  CHECK(p.acknowledge() == 0x25);
  outb(p, 0x20, 0x20);
  CHECK(p.pending());
  p.lower_irq(5);
  CHECK(!p.pending());
}

TEST_CASE("pic: LTIM in ICW1 makes every line level triggered") {
  Pic p;
  outb(p, 0x20, 0x19);   // ICW1 with LTIM
  outb(p, 0x21, 0x40);
  outb(p, 0x21, 0x04);
  outb(p, 0x21, 0x01);
  outb(p, 0x21, 0x00);
  p.raise_irq(1);
  CHECK(p.acknowledge() == 0x41);
  outb(p, 0x20, 0x20);
  CHECK(p.acknowledge() == 0x41);   // still high
}

TEST_CASE("pic: edges, not levels, on edge-triggered lines") {
  Pic p;
  init_pair(p);
  p.raise_irq(4);
  CHECK(p.acknowledge() == 0x24);
  outb(p, 0x20, 0x20);
  p.raise_irq(4);   // still high: no new edge
  CHECK(!p.pending());
  p.lower_irq(4);
  p.raise_irq(4);
  CHECK(p.pending());
}

TEST_CASE("pic: poll mode") {
  Pic p;
  init_pair(p);
  outb(p, 0x21, 0xff);   // masked lines are not polled
  outb(p, 0x20, 0x0c);
  CHECK(inb(p, 0x20) == 0x00);
  outb(p, 0x21, 0x00);
  p.pulse_irq(6);
  outb(p, 0x20, 0x0c);   // OCW3 poll
  CHECK(inb(p, 0x20) == 0x86);
  CHECK(p.chip(0).isr == 0x40);   // the poll acknowledged it
  outb(p, 0x20, 0x0c);
  CHECK(inb(p, 0x21) == 0x00);    // nothing left; the data port answers a poll too
}

TEST_CASE("pic: auto-EOI and rotation in auto-EOI mode") {
  Pic p;
  init_pair(p, 0x03);
  p.pulse_irq(1);
  p.pulse_irq(4);
  CHECK(p.acknowledge() == 0x21);
  CHECK(p.chip(0).isr == 0);
  CHECK(p.acknowledge() == 0x24);
  outb(p, 0x20, 0x80);   // rotate in auto-EOI: the served level becomes the lowest
  p.pulse_irq(1);
  p.pulse_irq(3);
  CHECK(p.acknowledge() == 0x21);   // lowest is still 7: 1 before 3
  CHECK(p.chip(0).lowest == 1);
  p.pulse_irq(0);
  CHECK(p.acknowledge() == 0x23);   // now 2,3,...,0,1: 3 before 0
  outb(p, 0x20, 0x00);              // clear rotate in auto-EOI
  CHECK(!p.chip(0).rotate_aeoi);
}

TEST_CASE("pic: set priority and rotate on EOI") {
  Pic p;
  init_pair(p);
  outb(p, 0x20, 0xc3);   // lowest priority to IRQ 3: order 4,5,6,7,0,1,2,3
  p.pulse_irq(0);
  p.pulse_irq(5);
  CHECK(p.acknowledge() == 0x25);
  outb(p, 0x20, 0xa0);   // rotate on non-specific EOI: 5 becomes lowest
  CHECK(p.chip(0).lowest == 5);
  p.pulse_irq(6);
  CHECK(p.acknowledge() == 0x26);   // 6 is now the highest
  outb(p, 0x20, 0xe6);              // rotate on specific EOI for 6
  CHECK(p.chip(0).lowest == 6);
  CHECK(p.chip(0).isr == 0);
  p.pulse_irq(7);
  CHECK(p.acknowledge() == 0x27);   // order 7,0,...,6: IRQ 7 before the waiting IRQ 0
  CHECK(p.chip(0).isr == 0x80);     // a real IRQ 7 goes in service
  outb(p, 0x20, 0x20);
  CHECK(p.acknowledge() == 0x20);
}

TEST_CASE("pic: special mask mode lets lower levels in") {
  Pic p;
  init_pair(p);
  p.pulse_irq(3);
  CHECK(p.acknowledge() == 0x23);
  p.pulse_irq(5);
  CHECK(!p.pending());
  outb(p, 0x20, 0x68);   // set special mask mode
  outb(p, 0x21, 0x08);   // mask the level in service
  CHECK(p.pending());
  CHECK(p.acknowledge() == 0x25);
  outb(p, 0x20, 0x48);   // reset special mask mode
  CHECK(!p.chip(0).special_mask);
}

TEST_CASE("pic: special fully nested mode lets the slave nest") {
  Pic p;
  init_pair(p);
  outb(p, 0x20, 0x11);   // master again, with SFNM
  outb(p, 0x21, 0x20);
  outb(p, 0x21, 0x04);
  outb(p, 0x21, 0x11);
  outb(p, 0x21, 0x00);
  p.pulse_irq(12);
  CHECK(p.acknowledge() == 0x2c);
  p.pulse_irq(9);   // higher on the slave: the master lets it through although IR2 is in service
  CHECK(p.pending());
  CHECK(p.acknowledge() == 0x29);
}

TEST_CASE("pic: 16-bit port access reaches both registers, state round-trips") {
  Pic p;
  init_pair(p);
  p.out(0x20, 2, 0xda0b);   // OCW3 read ISR to 0x20, mask 0xda to 0x21
  CHECK(inb(p, 0x21) == 0xda);
  CHECK(p.in(0x20, 2) == 0xda00);   // ISR (empty), then IMR
  p.pulse_irq(7);                   // masked
  p.pulse_irq(10);                  // through the unmasked cascade
  CHECK(p.pending());
  StateWriter w;
  p.save(w);
  Pic q;
  StateReader r(w.data());
  REQUIRE(q.load(r));
  StateWriter w2;
  q.save(w2);
  CHECK(w.data() == w2.data());
  CHECK(q.acknowledge() == 0x2a);
}
