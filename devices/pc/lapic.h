// The processor's local APIC (xAPIC, version 0x14, six LVT entries) as an MMIO device at
// 0xFEE00000, with the timer running on a bus clock derived from the cycle counter.
//
// Modelled: ID, version, TPR and PPR, EOI, LDR/DFR, the spurious-interrupt vector register
// with the software enable (while disabled every LVT entry stays masked), ISR/IRR/TMR, ESR
// (illegal-vector errors, latched by a write), the LVT timer with one-shot and periodic modes
// and the divide configuration register, initial and current count computed from the cycle
// counter (no per-tick work: one device timer is armed for the next expiry), the error LVT,
// and self IPIs through ICR (fixed and lowest-priority delivery to this APIC by shorthand,
// physical ID or logical flat match). LINT0/LINT1, thermal and performance LVTs keep what is
// written; LINT0 decides whether the 8259's INTR reaches the processor (see accepts_pic()).
// Not modelled: TSC-deadline mode (it counts as one-shot), NMI/SMI/INIT/SIPI IPIs, other
// processors, moving the base through IA32_APIC_BASE, level-triggered EOI broadcasts, APR.
//
// Reset state: ID from the configuration, SVR 0xFF (software disabled), every LVT masked,
// DFR flat, divide by 2, timer stopped.
#pragma once
#include <cstdint>

#include "devices/clock.h"
#include "devices/state_io.h"
#include "mmu/bus.h"

namespace pvlab {

struct LapicConfig {
  static constexpr uint64_t kDefaultBusHz = 100'000'000;
  paddr_t base = 0xfee00000;
  uint8_t id = 0;
  uint64_t bus_hz = kDefaultBusHz;   // the timer's input clock before the divider
};

namespace lapic {
// Register offsets.
constexpr uint32_t kId = 0x20, kVersion = 0x30, kTpr = 0x80, kApr = 0x90, kPpr = 0xa0,
                   kEoi = 0xb0, kRrd = 0xc0, kLdr = 0xd0, kDfr = 0xe0, kSvr = 0xf0,
                   kIsr = 0x100, kTmr = 0x180, kIrr = 0x200, kEsr = 0x280, kIcrLo = 0x300,
                   kIcrHi = 0x310, kLvtTimer = 0x320, kLvtThermal = 0x330, kLvtPerf = 0x340,
                   kLvtLint0 = 0x350, kLvtLint1 = 0x360, kLvtError = 0x370,
                   kTimerInitial = 0x380, kTimerCurrent = 0x390, kTimerDivide = 0x3e0;
constexpr uint32_t kMasked = 1u << 16;
constexpr uint32_t kPeriodic = 1u << 17;
constexpr uint32_t kSvrEnable = 1u << 8;
enum Lvt : unsigned { kTimer, kThermal, kPerf, kLint0, kLint1, kError, kNumLvt };
}  // namespace lapic

// The local APIC's registers, as plain data.
struct LapicState {
  uint32_t id = 0, tpr = 0, ldr = 0, dfr = 0xffffffff, svr = 0xff;
  uint32_t esr = 0, esr_pending = 0;
  uint32_t icr_lo = 0, icr_hi = 0;
  uint32_t lvt[lapic::kNumLvt] = {};
  uint32_t irr[8] = {}, isr[8] = {}, tmr[8] = {};
  uint32_t divide = 0;            // divide configuration register (bits 0, 1, 3)
  uint32_t initial = 0;           // initial count
  bool running = false;           // the timer counts
  uint64_t start = 0;             // cycle the current count began
  uint32_t first = 0;             // the count of the first period from `start`
  uint64_t fired = 0;             // expiries since `start`
};

class Lapic final : public MmioDevice {
 public:
  static constexpr uint32_t kVersionValue = 0x00050014;   // 6 LVT entries, xAPIC

  Lapic(DeviceClock& clock, const LapicConfig& cfg = {});

  // The 4 KiB register page at cfg.base.
  void map(Bus& bus);
  void reset();

  // ---- the CPU -------------------------------------------------------------------------------
  // A fixed interrupt in IRR has a higher priority class than PPR.
  bool pending() const;
  // Move the highest such interrupt to ISR and return its vector; the spurious vector when
  // none qualifies any more.
  uint8_t acknowledge();
  // Whether the 8259's INTR output reaches the processor: LINT0 unmasked in ExtINT mode, or
  // the APIC software-disabled (the virtual-wire state a BIOS leaves, in which the PIC is
  // the only interrupt source).
  bool accepts_pic() const;

  // ---- devices and inspection ----------------------------------------------------------------
  // Accept a fixed interrupt (as from an IPI or an LVT entry).
  void accept(uint8_t vector, bool level = false);
  bool enabled() const { return s_.svr & lapic::kSvrEnable; }
  uint32_t timer_current() const;
  // The divider (1-128) chosen by the divide configuration register.
  uint64_t timer_divider() const;
  const LapicState& state() const { return s_; }
  uint32_t ppr() const;

  uint32_t read(paddr_t offset, unsigned size) override;
  void write(paddr_t offset, unsigned size, uint32_t value) override;

  void save(StateWriter& w) const;
  bool load(StateReader& r);

 private:
  uint32_t read_reg(uint32_t reg) const;
  void write_reg(uint32_t reg, uint32_t v);
  void write_lvt(unsigned which, uint32_t v);
  void send_ipi();
  void error(uint32_t bit);
  static int highest(const uint32_t (&bits)[8]);
  uint64_t ticks_since_start(uint64_t cycle) const;
  uint64_t expiry_cycle(uint64_t n) const;   // cycle of the n-th expiry since start (n >= 1)
  void rebase_timer();
  void arm_timer();
  void on_timer(uint64_t when);

  DeviceClock& clock_;
  LapicConfig cfg_;
  DeviceClock::TimerId timer_;
  LapicState s_;
};

}  // namespace pvlab
