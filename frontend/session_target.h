// The machines a debugging Session drives, behind one small interface: a bare-metal PC
// (frontend/machine.h) or a PV domain on pvlab's hypervisor (hyper/hypervisor.h). The
// Session sees vcpus (each a Cpu), the bus, "run for at most N instructions", the console
// and how the machine ended; views that only make sense for one kind reach the machine
// through pc() or hypervisor().
#pragma once
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "cpu/cpu.h"
#include "devices/state_io.h"
#include "frontend/elf_image.h"
#include "frontend/machine.h"

namespace pvlab {

namespace hyper {
class Hypervisor;
struct PvRunResult;
}  // namespace hyper

class PvBackends;

struct TargetRun {
  StopReason stop = StopReason::None;   // why the CPU came back
  bool ended = false;                   // the machine is finished (see Target::exit_status)
};

class Target {
 public:
  virtual ~Target() = default;
  virtual const char* kind() const = 0;   // "pc" or "pv"
  virtual unsigned vcpus() = 0;
  virtual Cpu& cpu(unsigned vcpu) = 0;
  virtual Bus& bus() = 0;
  // Run for at most `max_insns` instructions (0: no limit). StopReason::InsnLimit with
  // ended = false means the budget ran out and the machine can go on; Breakpoint and
  // Requested come from a debugger; everything else ends the machine.
  virtual TargetRun run(uint64_t max_insns) = 0;
  // Ask the running CPUs to stop at the next block boundary (same thread only).
  void request_stop() {
    for (unsigned i = 0; i < vcpus(); ++i) cpu(i).request_stop();
  }
  virtual const std::string& console() = 0;
  virtual bool ended() const = 0;
  // pvlab's exit status for the end (frontend/exit_codes.h), and one line saying what it was.
  virtual int exit_status() const = 0;
  virtual std::string end_text() const = 0;
  // The run ended by the instruction limit the Session enforces.
  virtual void end_by_limit() = 0;
  virtual PcMachine* pc() { return nullptr; }
  virtual hyper::Hypervisor* hypervisor() { return nullptr; }
  // The vcpu whose CPU ran last (the one a stop belongs to).
  virtual unsigned current_vcpu() { return 0; }
  // Make `vcpu` the one the next run starts with (a debugger stepping that vcpu); false when
  // it cannot run now (offline or blocked).
  virtual bool focus_vcpu(unsigned vcpu) { return vcpu == 0; }
  // The vcpu the next run starts with (the one whose breakpoint it would meet first).
  virtual unsigned next_vcpu() { return current_vcpu(); }
  // The machine's state without RAM, and its RAM (the Session's reverse history). A state
  // is only saved while the machine has not ended; loading one makes it runnable again.
  virtual void save_state(StateWriter& w) const = 0;
  virtual bool load_state(StateReader& r) = 0;
  virtual PhysMem& ram() = 0;
  // While muted, guest output reaches the console record but not the host (a replay prints
  // nothing the run already printed).
  virtual void mute_output(bool on) = 0;
};

// A bare-metal PC. Owns the machine when built with load_target(), else borrows it.
class PcTarget final : public Target {
 public:
  explicit PcTarget(PcMachine& m) : m_(m) {}
  explicit PcTarget(std::unique_ptr<PcMachine> m) : own_(std::move(m)), m_(*own_) {}
  const char* kind() const override { return "pc"; }
  unsigned vcpus() override { return 1; }
  Cpu& cpu(unsigned) override { return m_.cpu(); }
  Bus& bus() override { return m_.bus(); }
  TargetRun run(uint64_t max_insns) override;
  const std::string& console() override { return m_.console(); }
  bool ended() const override { return ended_; }
  int exit_status() const override;
  std::string end_text() const override;
  void end_by_limit() override;
  PcMachine* pc() override { return &m_; }
  void save_state(StateWriter& w) const override { m_.save_state(w); }
  bool load_state(StateReader& r) override;
  PhysMem& ram() override { return m_.ram(); }
  void mute_output(bool on) override;
  // The result of the last run (what `pvlab run` reports at the end).
  const RunResult& last() const { return last_; }
  // Runnable again after the machine's state was loaded behind the target's back.
  void forget_end() {
    last_ = RunResult{};
    ended_ = false;
  }

 private:
  std::unique_ptr<PcMachine> own_;
  PcMachine& m_;
  RunResult last_;
  bool ended_ = false;
  std::function<void(char)> serial_, debugcon_;   // the sinks while muted
  bool muted_ = false;
};

// A PV domain with its console, input queue and xenstore (frontend/pv_backends.h), saved and
// restored as one machine. Owns the hypervisor and back ends when built with load_target(),
// else borrows them (a null `back`: a domain without host back ends, saved without them).
class PvTarget final : public Target {
 public:
  PvTarget(hyper::Hypervisor& hv, PvBackends* back);
  PvTarget(std::unique_ptr<hyper::Hypervisor> hv, std::unique_ptr<PvBackends> back);
  ~PvTarget() override;
  const char* kind() const override { return "pv"; }
  unsigned vcpus() override;
  Cpu& cpu(unsigned vcpu) override;
  Bus& bus() override;
  TargetRun run(uint64_t max_insns) override;
  const std::string& console() override;
  bool ended() const override { return ended_; }
  int exit_status() const override;
  std::string end_text() const override;
  void end_by_limit() override;
  hyper::Hypervisor* hypervisor() override { return &hv_; }
  unsigned current_vcpu() override;
  bool focus_vcpu(unsigned vcpu) override;
  unsigned next_vcpu() override;
  void save_state(StateWriter& w) const override;
  bool load_state(StateReader& r) override;
  PhysMem& ram() override;
  void mute_output(bool on) override;
  const hyper::PvRunResult& last() const { return *last_; }
  void forget_end();   // as PcTarget::forget_end

 private:
  std::unique_ptr<hyper::Hypervisor> own_;
  hyper::Hypervisor& hv_;
  std::unique_ptr<PvBackends> own_back_;   // destroyed before the hypervisor
  PvBackends* back_ = nullptr;
  std::unique_ptr<hyper::PvRunResult> last_;
  bool ended_ = false;
  std::function<void(char)> sink_;   // the console sink while muted
  bool muted_ = false;
};

// What `pvlab debug` (and tests) load: a Multiboot or PV ELF kernel.
struct LoadOptions {
  size_t mem_bytes = 64u << 20;
  std::string cmdline;
  std::string machine = "auto";   // auto, pc or pv
  unsigned vcpus = 1;             // PV
  std::optional<MmuConfig> mmu;   // the TLB geometry and walk cost (a timing model's), else the default
};

// Build the machine for `img` the way `pvlab run` does. Null with `error` set on failure.
std::unique_ptr<Target> load_target(const ElfImage& img, const LoadOptions& o, std::string& error);

}  // namespace pvlab
