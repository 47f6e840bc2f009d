// A whole machine, bare-metal PC or PV domain, built from a description that files can carry
// (MachineSpec), with what snapshots and record / replay need: run until the machine's time
// reaches a cycle at a point where stopping changes nothing, save and load the complete state,
// hash it, and take outside input through the one cycle-stamped input queue.
//
// Stop points. A PC stops at a block boundary (the CPU's cycle limit, checked where the run
// loop looks at deadlines and interrupts anyway); a PV domain stops between scheduling quanta
// (Hypervisor::set_stop_cycle). A run cut at such points behaves exactly like one that is not,
// so a snapshot, a hash or host input taken there leaves the rest of the run as it would be.
#pragma once
#include <cstdint>
#include <cstdio>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "devices/input_queue.h"
#include "devices/state_io.h"
#include "frontend/elf_image.h"
#include "frontend/machine.h"
#include "frontend/pv_backends.h"
#include "frontend/ram_delta.h"
#include "frontend/timing_setup.h"
#include "hyper/hypervisor.h"

namespace pvlab {

// Everything that decides how the machine is built: kept in snapshots and recordings, so a
// restore or a replay builds the same machine from the same image.
struct MachineSpec {
  std::string kind = "pc";       // "pc" or "pv"
  std::string image_path;        // empty: the built-in demo guest
  bool bios = false;             // the image is a raw ROM (--bios), not an ELF kernel
  uint64_t image_hash = 0;       // state_hash of the image file's bytes
  uint64_t ram_bytes = 64u << 20;
  uint32_t vcpus = 1;            // PV
  std::string cmdline;
  bool initdomain = false;       // PV
  int64_t rtc_epoch = 1704067200;   // PC: RTC time at cycle 0
  // Under --timing ooo: the text of the [timing] configuration the core is timed on (the
  // whole file given with --timing-config, or "[timing]\n" for the built-in defaults); empty
  // for the atomic model. The model's cycles are machine time, so they are part of the run.
  std::string timing;

  void save(StateWriter& w) const;
  bool load(StateReader& r);
  // One line: kind, image, memory, vcpus, command line.
  std::string describe() const;
};

class SnapMachine {
 public:
  // Build the machine for `spec` from the image's bytes (whose hash must be spec.image_hash).
  static std::unique_ptr<SnapMachine> create(const MachineSpec& spec, std::vector<uint8_t> image,
                                             std::string& error);
  ~SnapMachine();
  SnapMachine(const SnapMachine&) = delete;
  SnapMachine& operator=(const SnapMachine&) = delete;

  const MachineSpec& spec() const { return spec_; }
  bool is_pv() const { return hv_ != nullptr; }
  PcMachine* pc() { return pc_.get(); }
  hyper::Hypervisor* hypervisor() { return hv_.get(); }
  PvBackends* pv_backends() { return pv_.get(); }

  // Where guest output goes besides the machine's console record: COM1 (a PV domain's
  // console) and the 0xE9 debug console.
  void set_sinks(std::function<void(char)> serial, std::function<void(char)> debugcon);

  enum class Halt {
    AtStop,   // the machine's time reached the stop cycle; it can go on
    Idle,     // it waits for input with nothing else that could wake it; input lets it go on
    Ended,    // it ended (power-off, exit, crash, limit): see exit_status()
  };
  // Run until the stop cycle (~0: none), the end, or idleness. `max_insns` and `max_cycles`
  // (0: none) are the run's limits, counted from cycle and instruction 0.
  Halt run(uint64_t stop_cycle, uint64_t max_insns = 0, uint64_t max_cycles = 0);

  // The machine's time (PV: the latest any vcpu reached) and retired instructions (all vcpus).
  uint64_t cycles() const;
  uint64_t insns() const;
  // Host input for COM1 / the PV console, stamped with the current cycle.
  void push_input(const std::string& bytes);
  InputQueue& input();
  // Everything the guest printed so far.
  const std::string& console() const;

  // After Ended (or Idle taken as the end): pvlab's exit status, and the lines the run
  // command prints about the end on stderr.
  int exit_status() const;
  void report_end(FILE* f) const;
  void print_stats(FILE* f, double secs) const;

  // The state as bytes, without RAM (ram() is that); load() reads it into a machine created
  // from the same spec. After a failed load the machine is unusable.
  void save(StateWriter& w) const;
  bool load(StateReader& r);
  PhysMem& ram();
  // state_hash of save(), seeding the RAM hash of frontend/ram_delta.h: equal hashes, equal
  // machines. Rehashes only the RAM pages written since the last hash.
  uint64_t hash();
  // The RAM delta since the last call (frontend/ram_delta.h: the pages written since, XORed
  // with their bytes then), what an incremental snapshot stores; encode = false when a whole
  // snapshot is taken instead (only the bookkeeping). Call right after hash().
  std::vector<uint8_t> take_ram_delta(bool encode);
  // How many pages the last take_ram_delta() covered.
  size_t last_delta_pages() const { return ram_tracker_ ? ram_tracker_->last_delta_pages() : 0; }

 private:
  SnapMachine() = default;

  MachineSpec spec_;
  std::optional<ElfImage> elf_;
  std::vector<uint8_t> image_;
  std::unique_ptr<PcMachine> pc_;
  std::unique_ptr<hyper::Hypervisor> hv_;
  std::unique_ptr<PvBackends> pv_;   // console, input queue and a domU's xenstore
  // Under spec_.timing: the out-of-order model of every CPU, saved and loaded with the rest
  // of the machine, so a restore goes on timing warm (docs/replay.md).
  TimingConfig timing_cfg_;
  std::unique_ptr<TimingModels> timing_;
  void attach_timing();
  std::function<void(char)> serial_sink_, debugcon_sink_;
  std::unique_ptr<RamTracker> ram_tracker_;
  // How the last run ended (for exit_status / report_end).
  RunResult pc_end_;
  hyper::PvRunResult pv_end_;
};

}  // namespace pvlab
