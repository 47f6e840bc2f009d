// `pvlab replay run.pvr --gdb PORT` (docs/replay.md, docs/debugging.md): the machine a
// recording describes, served to gdb with reverse execution, its recorded inputs fed at the
// cycles they carry.
#pragma once
#include <cstdint>
#include <memory>

#include "frontend/recording.h"
#include "frontend/session_target.h"
#include "frontend/snap_machine.h"

namespace pvlab {

// Why `rec` cannot be debugged (empty when it can): the out-of-order timing model, or a
// cycle limit.
std::string replay_gdb_refusal(const Recording& rec);

// A Session target over a whole SnapMachine: the machine's PC or PV target inside, and the
// reverse history's state the whole machine (a PV domain's console and xenstore back ends,
// the input queue and the timing models included). The recording targets below derive from it.
class SnapMachineTarget : public Target {
 public:
  explicit SnapMachineTarget(SnapMachine& m);
  const char* kind() const override { return inner_->kind(); }
  unsigned vcpus() override { return inner_->vcpus(); }
  Cpu& cpu(unsigned vcpu) override { return inner_->cpu(vcpu); }
  Bus& bus() override { return inner_->bus(); }
  TargetRun run(uint64_t max_insns) override { return inner_->run(max_insns); }
  const std::string& console() override { return inner_->console(); }
  bool ended() const override { return inner_->ended(); }
  int exit_status() const override { return inner_->exit_status(); }
  std::string end_text() const override { return inner_->end_text(); }
  void end_by_limit() override { inner_->end_by_limit(); }
  PcMachine* pc() override { return inner_->pc(); }
  hyper::Hypervisor* hypervisor() override { return inner_->hypervisor(); }
  unsigned current_vcpu() override { return inner_->current_vcpu(); }
  bool focus_vcpu(unsigned vcpu) override { return inner_->focus_vcpu(vcpu); }
  unsigned next_vcpu() override { return inner_->next_vcpu(); }
  void save_state(StateWriter& w) const override { m_.save(w); }
  bool load_state(StateReader& r) override;
  PhysMem& ram() override { return m_.ram(); }
  void mute_output(bool) override {}   // the machine has no output sinks of its own

 protected:
  // The inner target forgets how the run ended (after a load, or to run past a stop point).
  void forget_end();
  SnapMachine& m_;
  Target* inner_ = nullptr;

 private:
  std::unique_ptr<PcTarget> pc_;
  std::unique_ptr<PvTarget> pv_;
};

// A Session target over a SnapMachine built from a recording. Every recorded input is in the
// machine's input queue from the start, stamped with its cycle, so the devices see each one
// when the machine's time reaches it, forward or in a re-run; the queue (which bytes were
// taken) is part of the state the reverse history saves and restores, with the rest of the
// machine.
//
// Guest output reaches stdout (with `print`) once: after each run the target prints what the
// console record holds past the furthest point printed, so neither a re-run nor running
// forward again over a stretch already run prints it twice. The machine's own sinks stay off.
class ReplayTarget final : public SnapMachineTarget {
 public:
  ReplayTarget(SnapMachine& m, const Recording& rec, bool print);
  TargetRun run(uint64_t max_insns) override;

 private:
  bool print_ = false;
  size_t printed_ = 0;   // console bytes already on stdout
};

// Serve the recording's machine `m` (built from rec.spec with no output sinks, nothing run
// yet) to gdb on `port` with reverse execution, printing the guest's output unless `quiet`;
// pvlab's exit status. At the end it says whether the guest's output
// equals the recorded run's.
int replay_with_gdb(SnapMachine& m, const Recording& rec, int port, bool wait, uint64_t reverse_interval,
                    bool quiet);

}  // namespace pvlab
