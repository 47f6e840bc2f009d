// The Session's adapters for a bare-metal PC and a PV domain, and loading a kernel into a
// new machine of the right kind.
#include "frontend/session_target.h"

#include "frontend/exit_codes.h"
#include "frontend/pv_backends.h"
#include "frontend/run_pv.h"
#include "hyper/hypervisor.h"
#include "hyper/schedule.h"

namespace pvlab {

namespace {

// A stop the machine cannot come back from by itself.
bool final_stop(StopReason r) {
  return r != StopReason::InsnLimit && r != StopReason::Breakpoint && r != StopReason::Requested &&
         r != StopReason::None;
}

}  // namespace

// ---- PC -----------------------------------------------------------------------------------

TargetRun PcTarget::run(uint64_t max_insns) {
  if (ended_) return {last_.stop, true};
  last_ = m_.run(max_insns);
  ended_ = last_.end != RunEnd::Stopped || final_stop(last_.stop);
  return {last_.stop, ended_};
}

int PcTarget::exit_status() const { return pvlab::exit_status(last_); }

std::string PcTarget::end_text() const {
  switch (last_.end) {
    case RunEnd::PowerOff: return "the guest powered off";
    case RunEnd::DebugExit:
      return "the guest wrote isa-debug-exit (status " + std::to_string(last_.guest_status) + ")";
    case RunEnd::Reset: return "the guest reset the machine";
    case RunEnd::Stopped: break;
  }
  return std::string("guest stopped: ") + stop_reason_name(last_.stop);
}

void PcTarget::end_by_limit() {
  last_ = RunResult{RunEnd::Stopped, StopReason::InsnLimit, 0};
  ended_ = true;
}

bool PcTarget::load_state(StateReader& r) {
  if (!m_.load_state(r)) return false;
  last_ = RunResult{};
  ended_ = false;
  return true;
}

void PcTarget::mute_output(bool on) {
  if (on == muted_) return;
  muted_ = on;
  if (on) {
    serial_ = m_.serial_sink();
    debugcon_ = m_.debugcon_sink();
    m_.set_serial_sink(nullptr);
    m_.set_debugcon_sink(nullptr);
  } else {
    m_.set_serial_sink(std::move(serial_));
    m_.set_debugcon_sink(std::move(debugcon_));
  }
}

// ---- PV -----------------------------------------------------------------------------------

PvTarget::PvTarget(hyper::Hypervisor& hv, PvBackends* back)
    : hv_(hv), back_(back), last_(new hyper::PvRunResult) {}
PvTarget::PvTarget(std::unique_ptr<hyper::Hypervisor> hv, std::unique_ptr<PvBackends> back)
    : own_(std::move(hv)), hv_(*own_), own_back_(std::move(back)), back_(own_back_.get()),
      last_(new hyper::PvRunResult) {}
PvTarget::~PvTarget() = default;

unsigned PvTarget::vcpus() { return hv_.config().vcpus; }
Cpu& PvTarget::cpu(unsigned vcpu) { return hv_.cpu(vcpu); }
Bus& PvTarget::bus() { return hv_.bus(); }
const std::string& PvTarget::console() { return hv_.console(); }

unsigned PvTarget::current_vcpu() {
  const unsigned c = hv_.domain().sched.current;
  return c < vcpus() ? c : 0;
}

bool PvTarget::focus_vcpu(unsigned vcpu) {
  hyper::Domain& d = hv_.domain();
  if (vcpu >= d.vcpus.size() || !d.vcpu(vcpu).online || d.vcpu(vcpu).blocked) return false;
  if (d.sched.current != vcpu || d.sched.quantum_left == 0) {
    // A new turn for that vcpu, as the scheduler would give it.
    d.sched.current = vcpu;
    d.sched.quantum_left = hyper::kSchedQuantum;
  }
  return true;
}

// The scheduler's choice (hyper/schedule.cpp): the current vcpu while its turn lasts, else
// the next runnable one in vcpu order.
unsigned PvTarget::next_vcpu() {
  hyper::Domain& d = hv_.domain();
  const unsigned n = unsigned(d.vcpus.size());
  const unsigned cur = d.sched.current;
  auto runnable = [&d](unsigned i) { return d.vcpu(i).online && !d.vcpu(i).blocked; };
  if (cur < n && d.sched.quantum_left && runnable(cur)) return cur;
  for (unsigned k = 1; k <= n; ++k)
    if (runnable((cur + k) % n)) return (cur + k) % n;
  return current_vcpu();
}

TargetRun PvTarget::run(uint64_t max_insns) {
  if (ended_) return {last_->stop, true};
  *last_ = hv_.run(max_insns);
  ended_ = last_->end == hyper::PvEnd::Shutdown || final_stop(last_->stop);
  return {last_->stop, ended_};
}

int PvTarget::exit_status() const { return pv_exit_status(*last_); }

std::string PvTarget::end_text() const {
  if (last_->end == hyper::PvEnd::Shutdown) {
    std::string t = std::string("domain ") + hyper::shutdown_reason_name(last_->reason);
    if (!hv_.domain().crash_reason.empty()) t += ": " + hv_.domain().crash_reason;
    return t;
  }
  return std::string("guest stopped: ") + stop_reason_name(last_->stop);
}

void PvTarget::end_by_limit() {
  *last_ = hyper::PvRunResult{hyper::PvEnd::Stopped, StopReason::InsnLimit, hyper::ShutdownReason::None};
  ended_ = true;
}

// The layout of SnapMachine::save's PV part (the hypervisor, then the back ends).
void PvTarget::save_state(StateWriter& w) const {
  hv_.save_state(w);
  if (back_) back_->save(w);
}

bool PvTarget::load_state(StateReader& r) {
  if (!hv_.load_state(r)) return false;
  if (back_ && !back_->load(r)) return false;
  forget_end();
  return true;
}

void PvTarget::forget_end() {
  *last_ = hyper::PvRunResult{};
  ended_ = false;
}

PhysMem& PvTarget::ram() { return hv_.mem(); }

void PvTarget::mute_output(bool on) {
  if (on == muted_) return;
  muted_ = on;
  if (on) {
    sink_ = hv_.console_sink();
    hv_.set_console_sink(nullptr);
  } else {
    hv_.set_console_sink(std::move(sink_));
  }
}

// ---- loading ------------------------------------------------------------------------------

std::unique_ptr<Target> load_target(const ElfImage& img, const LoadOptions& o, std::string& error) {
  std::string machine = o.machine;
  if (machine == "auto") machine = is_pv_kernel(img) ? "pv" : "pc";
  if (machine == "pv") {
    hyper::HypervisorConfig cfg;
    cfg.domain_bytes = o.mem_bytes;
    cfg.vcpus = o.vcpus;
    cfg.cmdline = o.cmdline;
    if (o.mmu) cfg.cpu.mmu = *o.mmu;
    auto hv = std::make_unique<hyper::Hypervisor>(cfg);
    if (!hv->build(guest_image_of(img), error)) return nullptr;
    auto back = std::make_unique<PvBackends>(*hv, true);
    if (!back->attached()) {
      error = back->error();
      return nullptr;
    }
    return std::make_unique<PvTarget>(std::move(hv), std::move(back));
  }
  if (machine != "pc") {
    error = "machine " + machine + ": expected auto, pc or pv";
    return nullptr;
  }
  MachineConfig cfg;
  cfg.ram_bytes = o.mem_bytes;
  cfg.cmdline = o.cmdline;
  if (o.mmu) cfg.cpu.mmu = *o.mmu;
  auto m = std::make_unique<PcMachine>(cfg);
  if (!m->load_multiboot(img, error)) return nullptr;
  return std::make_unique<PcTarget>(std::move(m));
}

}  // namespace pvlab
