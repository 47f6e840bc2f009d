// The local APIC through its MMIO page: reset state, software enable, the timer in one-shot
// and periodic mode with dividers, TPR/PPR, EOI, spurious vectors, self IPIs, errors, and how
// its interrupts combine with the 8259's.
#include <doctest/doctest.h>

#include "devices/pc/irq_router.h"
#include "devices/pc/lapic.h"
#include "tests/devices/helpers.h"

using namespace pvlab;
using namespace pvlab::lapic;
using pvlab::test::run_until;

namespace {
struct Rig {
  DeviceClock clk;   // 1 GHz; the APIC bus runs at 100 MHz: 10 cycles per tick
  Lapic apic{clk};
  uint32_t rd(uint32_t reg) { return apic.read(reg, 4); }
  void wr(uint32_t reg, uint32_t v) { apic.write(reg, 4, v); }
  void enable() { wr(kSvr, 0x1ff); }
};
}  // namespace

TEST_CASE("lapic: reset state") {
  Rig r;
  CHECK(r.rd(kVersion) == 0x00050014);
  CHECK(r.rd(kId) == 0);
  CHECK(r.rd(kSvr) == 0xff);
  CHECK(r.rd(kDfr) == 0xffffffff);
  for (uint32_t reg = kLvtTimer; reg <= kLvtError; reg += 0x10) CHECK(r.rd(reg) == kMasked);
  CHECK(!r.apic.enabled());
  CHECK(r.apic.accepts_pic());
  // Software-disabled: LVT masks cannot be cleared.
  r.wr(kLvtTimer, 0x40);
  CHECK(r.rd(kLvtTimer) == (kMasked | 0x40));
  LapicConfig cfg;
  cfg.id = 3;
  DeviceClock clk;
  Lapic other(clk, cfg);
  CHECK(other.read(kId, 4) == 0x03000000);
}

TEST_CASE("lapic: one-shot timer fires at the right cycle") {
  Rig r;
  r.enable();
  r.wr(kTimerDivide, 0x0b);     // divide by 1
  r.wr(kLvtTimer, 0x40);        // one-shot, vector 0x40
  r.clk.set_now(5000);
  r.wr(kTimerInitial, 1000);    // 1000 ticks of 100 MHz: 10 us
  CHECK(r.clk.next_deadline() == 5000 + 10000);
  run_until(r.clk, 5000 + 5000);
  CHECK(r.rd(kTimerCurrent) == 500);
  CHECK(!r.apic.pending());
  run_until(r.clk, 15000 - 1);
  CHECK(!r.apic.pending());
  run_until(r.clk, 15000);
  REQUIRE(r.apic.pending());
  CHECK(r.rd(kTimerCurrent) == 0);
  CHECK(r.rd(kIrr + 0x20) == 1u);   // vector 0x40 = word 2, bit 0
  CHECK(r.apic.acknowledge() == 0x40);
  CHECK(r.rd(kIsr + 0x20) == 1u);
  CHECK(r.rd(kIrr + 0x20) == 0u);
  CHECK(r.rd(kPpr) == 0x40);
  CHECK(!r.apic.pending());
  r.wr(kEoi, 0);
  CHECK(r.rd(kIsr + 0x20) == 0u);
  run_until(r.clk, 100000);
  CHECK(!r.apic.pending());         // one-shot: once
  CHECK(r.clk.next_deadline() == DeviceClock::kNever);
}

TEST_CASE("lapic: periodic timer and the divider") {
  Rig r;
  r.enable();
  r.wr(kTimerDivide, 0x03);     // divide by 16: 160 cycles per tick
  CHECK(r.apic.timer_divider() == 16);
  r.wr(kLvtTimer, kPeriodic | 0x41);
  r.wr(kTimerInitial, 100);     // 16,000 cycles
  std::vector<uint64_t> fired;
  for (int i = 0; i < 4; ++i) {
    uint64_t d = r.clk.next_deadline();
    run_until(r.clk, d);
    REQUIRE(r.apic.pending());
    fired.push_back(d);
    CHECK(r.apic.acknowledge() == 0x41);
    r.wr(kEoi, 0);
  }
  CHECK(fired == std::vector<uint64_t>{16000, 32000, 48000, 64000});
  run_until(r.clk, 64000 + 8000);
  CHECK(r.rd(kTimerCurrent) == 50);
  // All divide encodings.
  const uint32_t enc[8] = {0x0, 0x1, 0x2, 0x3, 0x8, 0x9, 0xa, 0xb};
  const uint64_t div[8] = {2, 4, 8, 16, 32, 64, 128, 1};
  for (int i = 0; i < 8; ++i) {
    r.wr(kTimerDivide, enc[i]);
    CHECK(r.apic.timer_divider() == div[i]);
  }
  // Writing 0 stops the timer.
  r.wr(kTimerInitial, 0);
  CHECK(r.clk.next_deadline() == DeviceClock::kNever);
  CHECK(r.rd(kTimerCurrent) == 0);
}

TEST_CASE("lapic: a masked timer counts but does not interrupt") {
  Rig r;
  r.enable();
  r.wr(kTimerDivide, 0x0b);
  r.wr(kLvtTimer, kMasked | 0x40);
  r.wr(kTimerInitial, 10);
  run_until(r.clk, 1000);
  CHECK(!r.apic.pending());
  CHECK(r.rd(kTimerCurrent) == 0);
}

TEST_CASE("lapic: TPR, PPR and priority classes") {
  Rig r;
  r.enable();
  r.apic.accept(0x45);
  r.wr(kTpr, 0x50);
  CHECK(!r.apic.pending());
  CHECK(r.rd(kPpr) == 0x50);
  CHECK(r.apic.acknowledge() == 0xff);   // spurious vector, nothing in service
  CHECK(r.rd(kIsr + 0x20) == 0u);
  r.wr(kTpr, 0x40);
  CHECK(!r.apic.pending());              // same class as TPR: still blocked
  r.wr(kTpr, 0x30);
  CHECK(r.apic.pending());
  CHECK(r.apic.acknowledge() == 0x45);
  r.apic.accept(0x47);
  CHECK(!r.apic.pending());              // same class as the one in service
  r.apic.accept(0x61);
  CHECK(r.apic.pending());
  CHECK(r.apic.acknowledge() == 0x61);
  r.wr(kEoi, 0);                         // EOI ends the highest in service: 0x61
  CHECK(r.rd(kIsr + 0x30) == 0u);          // vectors 0x60-0x7f
  CHECK(r.rd(kIsr + 0x20) == (1u << 5));   // 0x45 still in service
  r.wr(kEoi, 0);
  CHECK(r.apic.acknowledge() == 0x47);
  r.wr(kSvr, 0x1f3);
  CHECK(r.apic.acknowledge() == 0xf3);   // the spurious vector comes from SVR
}

TEST_CASE("lapic: self IPIs and illegal vectors") {
  Rig r;
  r.enable();
  r.wr(kIcrLo, (1u << 18) | 0x50);       // shorthand self, fixed, vector 0x50
  CHECK(r.apic.pending());
  CHECK(r.apic.acknowledge() == 0x50);
  r.wr(kEoi, 0);
  r.wr(kIcrHi, 0);                       // physical destination 0: this APIC
  r.wr(kIcrLo, 0x51);
  CHECK(r.apic.acknowledge() == 0x51);
  r.wr(kEoi, 0);
  r.wr(kIcrHi, 0x05000000);              // somebody else
  r.wr(kIcrLo, 0x52);
  CHECK(!r.apic.pending());
  r.wr(kLdr, 0x02000000);                // logical flat: bit 1
  r.wr(kIcrHi, 0x06000000);
  r.wr(kIcrLo, (1u << 11) | 0x53);
  CHECK(r.apic.acknowledge() == 0x53);
  r.wr(kEoi, 0);
  CHECK((r.rd(kIcrLo) & (1u << 12)) == 0);   // delivery status idle
  // Errors are latched into ESR by a write and reported through the error LVT.
  r.wr(kLvtError, 0xfe);
  r.wr(kIcrLo, (1u << 18) | 0x05);       // illegal vector
  CHECK(r.rd(kEsr) == 0);
  r.wr(kEsr, 0);
  CHECK(r.rd(kEsr) == (1u << 5));
  CHECK(r.apic.acknowledge() == 0xfe);
  r.wr(kEoi, 0);
  r.wr(kLvtTimer, 0x08);                 // a timer with an illegal vector
  r.wr(kTimerInitial, 1);
  run_until(r.clk, 1000);
  r.wr(kEsr, 0);
  CHECK(r.rd(kEsr) == (1u << 6));
}

TEST_CASE("lapic: software disable masks every LVT") {
  Rig r;
  r.enable();
  r.wr(kLvtLint0, 0x700);
  r.wr(kLvtTimer, 0x40);
  CHECK(r.rd(kLvtLint0) == 0x700);
  CHECK(r.apic.accepts_pic());           // LINT0 in ExtINT mode
  r.wr(kLvtLint0, kMasked | 0x700);
  CHECK(!r.apic.accepts_pic());          // enabled APIC with LINT0 masked: PIC cut off
  r.wr(kSvr, 0xff);
  CHECK(r.rd(kLvtTimer) == (kMasked | 0x40));
  CHECK(r.apic.accepts_pic());
}

TEST_CASE("lapic: narrow and reserved accesses; MMIO on the bus") {
  PhysMem ram(1u << 20);
  Bus bus(ram);
  DeviceClock clk;
  Lapic apic(clk);
  apic.map(bus);
  CHECK(bus.read(0xfee00030, 4) == 0x00050014);
  CHECK(bus.read(0xfee00032, 2) == 0x0005);
  CHECK(bus.read(0xfee00034, 4) == 0);
  bus.write(0xfee00080, 4, 0x20);
  CHECK(apic.state().tpr == 0x20);
  bus.write(0xfee00080, 1, 0x30);        // narrow writes are ignored
  CHECK(apic.state().tpr == 0x20);
}

TEST_CASE("lapic: the router puts ExtINT from the 8259 first") {
  DeviceClock clk;
  Pic pic;
  Lapic apic(clk);
  IrqRouter router(pic, &apic);
  pic.out(0x21, 1, 0xfe);               // BIOS vectors; unmask IRQ 0 (vector 8)
  CHECK(!router.pending());
  pic.pulse_irq(0);
  apic.write(kSvr, 4, 0x1ff);
  apic.accept(0x80);
  CHECK(router.pending());
  CHECK(!apic.accepts_pic());           // enabled, LINT0 masked: only the APIC's own
  CHECK(router.acknowledge() == 0x80);
  apic.write(kLvtLint0, 4, 0x700);      // virtual wire through LINT0
  CHECK(router.pending());
  CHECK(router.acknowledge() == 0x08);
  apic.write(kEoi, 4, 0);
  CHECK(!router.pending());
  IrqRouter pic_only(pic);
  CHECK(pic_only.acknowledge() == 0x0f);   // nothing pending: spurious IRQ 7
}

TEST_CASE("lapic: state round-trips with a running timer") {
  Rig a;
  a.enable();
  a.wr(kLvtTimer, kPeriodic | 0x44);
  a.wr(kTimerInitial, 777);
  run_until(a.clk, 12345);
  StateWriter wc, wa;
  a.clk.save(wc);
  a.apic.save(wa);
  Rig b;
  StateReader rc(wc.data()), ra(wa.data());
  REQUIRE(b.clk.load(rc));
  REQUIRE(b.apic.load(ra));
  CHECK(b.rd(kTimerCurrent) == a.rd(kTimerCurrent));
  CHECK(b.clk.next_deadline() == a.clk.next_deadline());
}
