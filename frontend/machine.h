// A bare-metal PC: RAM, the bus, one CPU and the PC devices, with the platform behaviour of a
// machine whose guest owns ring 0 (events go through the guest's IDT).
#pragma once
#include <memory>
#include <optional>
#include <string>

#include "cpu/cpu.h"
#include "devices/pc/debugcon.h"
#include "devices/pc/pc_devices.h"
#include "frontend/elf_image.h"

namespace pvlab {

struct MachineConfig {
  size_t ram_bytes = 64u << 20;
  std::string cmdline;
  CpuConfig cpu;
  uint64_t cpu_hz = DeviceClock::kDefaultHz;   // nominal cycles per second (device timing)
  int64_t rtc_epoch = CmosConfig{}.epoch;      // RTC time at cycle 0 (seconds since 1970)
};

enum class RunEnd {
  PowerOff,     // the guest asked to power off
  DebugExit,    // the guest wrote the isa-debug-exit port
  Reset,        // the guest reset the machine (port 0x92, the 8042)
  Stopped,      // the CPU stopped (see stop_reason)
};

struct RunResult {
  RunEnd end = RunEnd::Stopped;
  StopReason stop = StopReason::None;
  int guest_status = 0;   // debug-exit status when end == DebugExit
};

class PcMachine final : public Platform {
 public:
  explicit PcMachine(const MachineConfig& cfg);

  Cpu& cpu() { return cpu_; }
  PcDevices& devices() { return devices_; }
  Bus& bus() { return bus_; }
  PhysMem& ram() { return ram_; }
  const std::string& console() const { return console_; }
  // Where guest console bytes go besides console() (stdout for the command line).
  void set_console_echo(std::function<void(char)> f) { echo_ = std::move(f); }

  // Load a Multiboot-style ELF kernel and set up the Multiboot entry state.
  bool load_multiboot(const ElfImage& img, std::string& error);
  // Copy a flat binary to `addr` and start there in flat 32-bit protected mode.
  bool load_flat(const std::vector<uint8_t>& bytes, uint32_t addr, std::string& error);

  RunResult run(uint64_t max_insns = 0);

  // Platform: interrupts from the PIC / local APIC, device timers, HLT.
  bool irq_pending() override { return devices_.irq_pending(); }
  uint8_t irq_ack() override;
  void deadline(Cpu& c) override;
  bool idle(Cpu& c) override;

 private:
  class PowerPort;
  void console_byte(char c);

  MachineConfig cfg_;
  PhysMem ram_;
  Bus bus_;
  Cpu cpu_;
  DebugConsole debugcon_;
  DebugExit debugexit_;
  std::unique_ptr<PortDevice> power_;
  PcDevices devices_;
  uint64_t idle_without_irq_ = 0;  // timer wake-ups since the last interrupt was taken
  std::string console_;
  std::function<void(char)> echo_;
  std::optional<RunResult> end_;
};

// Exit status for a finished run (see frontend/exit_codes.h).
int exit_status(const RunResult& r);

}  // namespace pvlab
