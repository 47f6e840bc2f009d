// A bare-metal PC: RAM, the bus, one CPU and the PC devices, with the platform behaviour of a
// machine whose guest owns ring 0 (events go through the guest's IDT).
#pragma once
#include <memory>
#include <optional>
#include <cstdio>
#include <functional>
#include <string>

#include "cpu/cpu.h"
#include "devices/pc/debugcon.h"
#include "devices/pc/pc_devices.h"
#include "frontend/elf_image.h"
#include "frontend/guest_log.h"
#include "hyper/trace_event.h"

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
  ~PcMachine() override;

  Cpu& cpu() { return cpu_; }
  PcDevices& devices() { return devices_; }
  Bus& bus() { return bus_; }
  PhysMem& ram() { return ram_; }
  // Everything the guest wrote to COM1 and the 0xE9 debug console, in order.
  const std::string& console() const { return console_; }
  // Where COM1 output and 0xE9 output go besides console() (the command line's --serial
  // and --debugcon). Unset means nowhere.
  void set_serial_sink(std::function<void(char)> f) { serial_sink_ = std::move(f); }
  void set_debugcon_sink(std::function<void(char)> f) { debugcon_sink_ = std::move(f); }
  const std::function<void(char)>& serial_sink() const { return serial_sink_; }
  const std::function<void(char)>& debugcon_sink() const { return debugcon_sink_; }
  // Both at once (tests, the demo).
  void set_console_echo(std::function<void(char)> f) {
    serial_sink_ = f;
    debugcon_sink_ = std::move(f);
  }
  // Host input for COM1. Called between run slices with wait=false, and with wait=true when
  // the guest waits for input with nothing else that could wake it; returns the bytes read
  // (empty: none now, or end of input when waiting). Bytes enter the cycle-stamped queue.
  void set_input_poll(std::function<std::string(bool wait)> f) { input_poll_ = std::move(f); }
  // The --log categories that watch events (int, pf, unimp); null for none.
  void set_log(GuestLog* log) { log_ = log; }
  // Report delivered exceptions and interrupts and every port access as TraceEvents (the
  // event trace); null stops it.
  void set_trace_sink(TraceEventSink* s);

  // Load a Multiboot-style ELF kernel and set up the Multiboot entry state.
  bool load_multiboot(const ElfImage& img, std::string& error);
  // Map a raw ROM image below 1 MiB (ending at 0xFFFFF) and at the top of the 4 GiB space,
  // and start from the reset vector in real mode, as a PC does.
  bool load_bios(const std::vector<uint8_t>& rom, std::string& error);
  // Copy a flat binary to `addr` and start there in flat 32-bit protected mode.
  bool load_flat(const std::vector<uint8_t>& bytes, uint32_t addr, std::string& error);

  RunResult run(uint64_t max_insns = 0);

  // The machine's state as bytes (frontend/machine_state.cpp): the CPU with its MMU, the
  // devices with the input queue, the console so far. RAM is not included (the snapshot file
  // stores it compressed). load_state() reads into a machine built the same way; after a
  // failed load the machine is unusable.
  void save_state(StateWriter& w) const;
  bool load_state(StateReader& r);

  // Platform: interrupts from the PIC / local APIC, device timers, HLT.
  bool irq_pending() override { return devices_.irq_pending(); }
  uint8_t irq_ack() override;
  void deadline(Cpu& c) override;
  bool idle(Cpu& c) override;
  bool intercept(Cpu& c, const Event& e) override;

 private:
  class PowerPort;
  class RomAlias;
  void console_byte(char c, bool serial);

  MachineConfig cfg_;
  PhysMem ram_;
  Bus bus_;
  Cpu cpu_;
  DebugConsole debugcon_;
  DebugExit debugexit_;
  std::unique_ptr<PortDevice> power_;
  PcDevices devices_;
  uint64_t idle_without_irq_ = 0;  // timer wake-ups since the last interrupt was taken
  std::unique_ptr<MmioDevice> rom_alias_;
  std::string console_;
  std::function<void(char)> serial_sink_, debugcon_sink_;
  std::function<std::string(bool)> input_poll_;
  GuestLog* log_ = nullptr;
  class PortTap;
  std::unique_ptr<PortTap> port_tap_;
  TraceEventSink* trace_sink_ = nullptr;
  std::optional<RunResult> end_;
};

// Exit status for a finished run (see frontend/exit_codes.h).
int exit_status(const RunResult& r);

}  // namespace pvlab
