#include "frontend/machine.h"

#include <cstdio>
#include <cstring>

#include "frontend/exit_codes.h"

namespace pvlab {

namespace {
constexpr uint32_t kMultibootMagic = 0x2badb002;
constexpr uint32_t kMultibootInfoAddr = 0x9000;   // boot information below 640 KiB
constexpr uint32_t kMultibootCmdlineAddr = 0x9800;
}  // namespace

// The ACPI PM1a control port QEMU's PC machines answer at 0x604: writing SLP_EN (bit 13)
// powers the machine off. Hobby kernels use it to end a run cleanly.
class PcMachine::PowerPort final : public PortDevice {
 public:
  explicit PowerPort(PcMachine& m) : m_(m) {}
  uint32_t in(uint16_t, unsigned) override { return 0; }
  void out(uint16_t, unsigned, uint32_t v) override {
    if (v & 0x2000) {
      m_.end_ = RunResult{RunEnd::PowerOff, StopReason::Requested, 0};
      m_.cpu_.request_stop();
    }
  }

 private:
  PcMachine& m_;
};

PcMachine::PcMachine(const MachineConfig& cfg)
    : cfg_(cfg),
      ram_(cfg.ram_bytes),
      bus_(ram_),
      cpu_(bus_, cfg.cpu),
      debugcon_([this](char c) { console_byte(c, false); }),
      debugexit_([this](int status) {
        end_ = RunResult{RunEnd::DebugExit, StopReason::Requested, status};
        cpu_.request_stop();
      }),
      power_(new PowerPort(*this)),
      devices_(bus_,
               PcDevicesConfig{cfg.ram_bytes, cfg.cpu_hz, cfg.rtc_epoch, true, LapicConfig{},
                               UartConfig{}},
               [this](uint8_t b) { console_byte(char(b), true); }) {
  cpu_.set_platform(this);
  devices_.clock().bind(&cpu_.s.cycles);
  devices_.clock().set_deadline_listener([this](uint64_t c) { cpu_.set_deadline(c); });
  auto set_a20 = [this](bool on) {
    cpu_.mmu().regs().a20_mask = on ? ~0ull : ~(1ull << 20);
    cpu_.mmu().flush(true);
    cpu_.flush_blocks();
  };
  devices_.system().set_a20_listener(set_a20);
  set_a20(devices_.system().a20_enabled());
  devices_.system().set_reset_listener([this] {
    end_ = RunResult{RunEnd::Reset, StopReason::Requested, 0};
    cpu_.request_stop();
  });
  bus_.map_ports(0xe9, 1, &debugcon_);
  bus_.map_ports(0xf4, 1, &debugexit_);
  bus_.map_ports(0x604, 2, power_.get());
}

void PcMachine::console_byte(char c, bool serial) {
  console_.push_back(c);
  auto& sink = serial ? serial_sink_ : debugcon_sink_;
  if (sink) sink(c);
}

// The top-of-4-GiB alias of the BIOS ROM, where the reset vector is fetched from.
class PcMachine::RomAlias final : public MmioDevice {
 public:
  explicit RomAlias(std::vector<uint8_t> rom) : rom_(std::move(rom)) {}
  uint32_t read(paddr_t off, unsigned size) override {
    uint32_t v = 0;
    for (unsigned i = 0; i < size; ++i)
      v |= uint32_t(off + i < rom_.size() ? rom_[off + i] : 0xff) << (8 * i);
    return v;
  }
  void write(paddr_t, unsigned, uint32_t) override {}

 private:
  std::vector<uint8_t> rom_;
};

bool PcMachine::load_bios(const std::vector<uint8_t>& rom, std::string& error) {
  if (rom.empty() || rom.size() > (128u << 10) || (rom.size() & 0xfff)) {
    error = "a BIOS image must be a multiple of 4 KiB and at most 128 KiB (this one is " +
            std::to_string(rom.size()) + " bytes)";
    return false;
  }
  paddr_t low = 0x100000 - rom.size();
  std::memcpy(ram_.ptr(low), rom.data(), rom.size());
  bus_.set_rom(low, rom.size());
  rom_alias_ = std::make_unique<RomAlias>(rom);
  bus_.map_mmio(0x100000000ull - rom.size(), rom.size(), rom_alias_.get(), "bios");
  cpu_.reset();
  return true;
}

bool PcMachine::intercept(Cpu& c, const Event& e) {
  if (log_) log_->event(c, e);
  if (trace_sink_) {
    static const char* kinds[] = {"fault", "trap", "int", "int3", "irq", "nmi"};
    TraceEvent t(c.s.cycles, 0, "exception", std::string(kinds[unsigned(e.kind)]) + " " + std::to_string(e.vector));
    t.str("type", kinds[unsigned(e.kind)]).num("vector", e.vector);
    if (e.has_error) t.hex("error", e.error);
    t.hex("cs", c.s.seg[CS].sel).hex("eip", e.kind == EventKind::Fault ? c.s.eip : e.return_eip);
    t.str("outcome", "idt");   // a bare-metal guest takes every event through its own IDT
    trace_sink_->event(t);
  }
  return false;
}

class PcMachine::PortTap final : public PortObserver {
 public:
  PortTap(Cpu& c, TraceEventSink& s) : cpu_(c), sink_(s) {}
  void port_access(uint16_t port, unsigned size, uint32_t value, bool write) override {
    char name[24];
    std::snprintf(name, sizeof name, "%s %#x", write ? "out" : "in", port);
    TraceEvent t(cpu_.s.cycles, 0, "io", name);
    t.str("dir", write ? "out" : "in").hex("port", port).num("size", size).hex("value", value);
    sink_.event(t);
  }

 private:
  Cpu& cpu_;
  TraceEventSink& sink_;
};

PcMachine::~PcMachine() { bus_.set_port_observer(nullptr); }

void PcMachine::set_trace_sink(TraceEventSink* s) {
  trace_sink_ = s;
  bus_.set_port_observer(nullptr);
  port_tap_.reset();
  if (s) {
    port_tap_ = std::make_unique<PortTap>(cpu_, *s);
    bus_.set_port_observer(port_tap_.get());
  }
}

bool PcMachine::load_multiboot(const ElfImage& img, std::string& error) {
  for (const ElfSegment& s : img.segments) {
    if (s.paddr < 0x1000 || !ram_.contains(s.paddr, s.mem_size)) {
      error = img.path + ": segment at physical " + std::to_string(s.paddr) + " (" +
              std::to_string(s.mem_size) + " bytes) does not fit in guest RAM of " +
              std::to_string(ram_.size() >> 20) + " MiB";
      return false;
    }
    std::memcpy(ram_.ptr(s.paddr), img.bytes.data() + s.file_offset, s.file_size);
    std::memset(ram_.ptr(s.paddr + s.file_size), 0, s.mem_size - s.file_size);
  }
  // Multiboot information: flags (mem, cmdline), lower and upper memory in KiB.
  uint32_t info[22] = {};
  info[0] = 1u << 0 | 1u << 2;
  info[1] = 640;
  info[2] = uint32_t((ram_.size() >> 10) - 1024);
  info[4] = kMultibootCmdlineAddr;
  std::memcpy(ram_.ptr(kMultibootInfoAddr), info, sizeof info);
  std::string cmd = cfg_.cmdline.substr(0, 1023);
  std::memcpy(ram_.ptr(kMultibootCmdlineAddr), cmd.c_str(), cmd.size() + 1);
  cpu_.enter_flat_protected(img.entry);
  cpu_.s.r[EAX] = kMultibootMagic;
  cpu_.s.r[EBX] = kMultibootInfoAddr;
  return true;
}

bool PcMachine::load_flat(const std::vector<uint8_t>& bytes, uint32_t addr, std::string& error) {
  if (!ram_.contains(addr, bytes.size())) {
    error = "flat image of " + std::to_string(bytes.size()) + " bytes does not fit at " +
            std::to_string(addr);
    return false;
  }
  std::memcpy(ram_.ptr(addr), bytes.data(), bytes.size());
  cpu_.enter_flat_protected(addr);
  return true;
}

RunResult PcMachine::run(uint64_t max_insns) {
  end_.reset();
  // Without a host input source the CPU runs in one go; with one it runs in slices so host
  // input is polled regularly, entering the queue stamped with the current cycle.
  constexpr uint64_t kSlice = 4'000'000;
  const uint64_t stop_at = max_insns ? cpu_.s.insns + max_insns : ~0ull;
  for (;;) {
    uint64_t budget = stop_at - cpu_.s.insns;
    if (input_poll_) budget = std::min(budget, kSlice);
    StopReason r = cpu_.run(budget);
    if (end_) return *end_;
    if (input_poll_) {
      if (r == StopReason::InsnLimit && cpu_.s.insns < stop_at) {
        std::string in = input_poll_(false);
        if (!in.empty()) devices_.input().push(cpu_.s.cycles, input_source::kCom1, in);
        continue;
      }
      if (r == StopReason::Idle) {
        // Waiting for input: block on the host until some arrives or input ends.
        std::string in = input_poll_(true);
        if (!in.empty()) {
          devices_.input().push(cpu_.s.cycles, input_source::kCom1, in);
          idle_without_irq_ = 0;
          continue;
        }
      }
    }
    return RunResult{RunEnd::Stopped, r, 0};
  }
}

uint8_t PcMachine::irq_ack() {
  idle_without_irq_ = 0;
  return devices_.irq_ack();
}

void PcMachine::deadline(Cpu& c) { c.set_deadline(devices_.run_due(c.s.cycles)); }

bool PcMachine::idle(Cpu& c) {
  // Jump time forward to the next device event. A guest that halts with every timer
  // interrupt masked would wake forever without ever taking an interrupt: after a million
  // such wake-ups in a row, report it as idle.
  uint64_t d = devices_.next_deadline();
  if (d == DeviceClock::kNever && devices_.input().pending_bytes(input_source::kCom1) != 0) d = c.s.cycles;  // input pending
  if (d == DeviceClock::kNever || ++idle_without_irq_ > 1'000'000) return false;
  if (c.s.cycles < d) c.s.cycles = d;
  c.set_deadline(devices_.run_due(c.s.cycles));
  return true;
}

int exit_status(const RunResult& r) {
  switch (r.end) {
    case RunEnd::PowerOff: return exit_code::kPowerOff;
    case RunEnd::DebugExit: return r.guest_status;
    case RunEnd::Reset: return exit_code::kReset;
    case RunEnd::Stopped: break;
  }
  switch (r.stop) {
    case StopReason::HaltIfOff: return exit_code::kHaltIfOff;
    case StopReason::Idle: return exit_code::kIdle;
    case StopReason::TripleFault: return exit_code::kTripleFault;
    case StopReason::InsnLimit:
    case StopReason::CycleLimit: return exit_code::kLimit;
    default: return exit_code::kInternal;
  }
}

}  // namespace pvlab
