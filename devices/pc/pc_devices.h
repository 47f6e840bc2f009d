// The PC devices of a bare-metal machine in one bundle: the device clock, the input queue,
// the 8259 pair, the 8254, COM1, the CMOS/RTC, the local APIC (optional), port 0x92 with the
// 8042, and POST codes, constructed in a fixed order (which fixes the device timers' ids for
// snapshots) and mapped onto the bus. A machine can use the devices one by one instead; this
// is the wiring pvlab's PcMachine needs, written once.
//
// The machine then only has to:
//   clock().bind(&cpu.s.cycles);
//   clock().set_deadline_listener([&](uint64_t c) { cpu.set_deadline(c); });
//   Platform::irq_pending()  -> irq_pending()
//   Platform::irq_ack()      -> irq_ack()
//   Platform::deadline(cpu)  -> cpu.set_deadline(run_due(cpu.s.cycles))
//   Platform::idle(cpu)      -> jump cpu.s.cycles to next_deadline() (false if kNever),
//                               then cpu.set_deadline(run_due(cpu.s.cycles))
#pragma once
#include <memory>

#include "devices/clock.h"
#include "devices/input_queue.h"
#include "devices/pc/cmos.h"
#include "devices/pc/irq_router.h"
#include "devices/pc/lapic.h"
#include "devices/pc/misc.h"
#include "devices/pc/pic.h"
#include "devices/pc/pit.h"
#include "devices/pc/uart16550.h"

namespace pvlab {

struct PcDevicesConfig {
  uint64_t ram_bytes = 64u << 20;                 // for the CMOS memory size fields
  uint64_t cpu_hz = DeviceClock::kDefaultHz;      // nominal cycles per second
  int64_t rtc_epoch = CmosConfig{}.epoch;         // RTC time at cycle 0
  bool lapic = true;
  LapicConfig lapic_cfg;
  UartConfig com1;
};

class PcDevices {
 public:
  // `com1_out` receives every byte the guest transmits on COM1.
  PcDevices(Bus& bus, const PcDevicesConfig& cfg, Uart16550::Sink com1_out);
  PcDevices(const PcDevices&) = delete;
  PcDevices& operator=(const PcDevices&) = delete;

  DeviceClock& clock() { return clock_; }
  const DeviceClock& clock() const { return clock_; }
  InputQueue& input() { return input_; }
  Pic& pic() { return pic_; }
  Pit& pit() { return pit_; }
  Uart16550& com1() { return com1_; }
  Cmos& cmos() { return cmos_; }
  Lapic* lapic() { return lapic_.get(); }
  SystemPorts& system() { return system_; }
  PostCodes& post() { return post_; }

  // ---- the CPU side --------------------------------------------------------------------------
  bool irq_pending() const { return router_.pending(); }
  uint8_t irq_ack() { return router_.acknowledge(); }
  // Fire the device timers due at `now`; returns the next deadline (DeviceClock::kNever if
  // none) for Cpu::set_deadline.
  uint64_t run_due(uint64_t now) {
    clock_.run_due(now);
    return clock_.next_deadline();
  }
  uint64_t next_deadline() const { return clock_.next_deadline(); }

  // ---- state ---------------------------------------------------------------------------------
  void save(StateWriter& w) const;
  bool load(StateReader& r);

 private:
  DeviceClock clock_;
  InputQueue input_;
  Pic pic_;
  Pit pit_;
  Uart16550 com1_;
  Cmos cmos_;
  std::unique_ptr<Lapic> lapic_;
  SystemPorts system_;
  PostCodes post_;
  IrqRouter router_;
};

}  // namespace pvlab
