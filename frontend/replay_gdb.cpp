#include "frontend/replay_gdb.h"

#include <cstdio>

#include "frontend/exit_codes.h"
#include "frontend/gdb_stub.h"
#include "frontend/state_file.h"

namespace pvlab {

std::string replay_gdb_refusal(const Recording& rec) {
  if (rec.max_cycles)
    return "the recording was made with --max-cycles; debugging a replay supports --max-insns only";
  return {};
}

SnapMachineTarget::SnapMachineTarget(SnapMachine& m) : m_(m) {
  if (m.is_pv()) {
    pv_ = std::make_unique<PvTarget>(*m.hypervisor(), m.pv_backends());
    inner_ = pv_.get();
  } else {
    pc_ = std::make_unique<PcTarget>(*m.pc());
    inner_ = pc_.get();
  }
}

void SnapMachineTarget::forget_end() {
  if (pc_) pc_->forget_end();
  if (pv_) pv_->forget_end();
}

bool SnapMachineTarget::load_state(StateReader& r) {
  if (!m_.load(r)) return false;
  forget_end();
  return true;
}

ReplayTarget::ReplayTarget(SnapMachine& m, const Recording& rec, bool print) : SnapMachineTarget(m), print_(print) {
  for (const RecordedInput& in : rec.inputs) m.input().push(in.cycle, in.source, in.bytes);
}

TargetRun ReplayTarget::run(uint64_t max_insns) {
  const TargetRun r = inner_->run(max_insns);
  const std::string& out = inner_->console();
  if (out.size() > printed_) {
    if (print_) {
      std::fwrite(out.data() + printed_, 1, out.size() - printed_, stdout);
      std::fflush(stdout);
    }
    printed_ = out.size();
  }
  return r;
}

int replay_with_gdb(SnapMachine& m, const Recording& rec, int port, bool wait, uint64_t reverse_interval,
                    bool quiet) {
  auto t = std::make_unique<ReplayTarget>(m, rec, !quiet);
  ReplayTarget& target = *t;
  Session s(std::move(t));
  GdbOptions o;
  o.port = port;
  o.wait = wait;
  o.max_insns = rec.max_insns;
  o.reverse_interval = reverse_interval ? reverse_interval : Session::kReverseInterval;
  const GdbEnd e = serve_gdb(s, o);
  std::fflush(stdout);
  if (e == GdbEnd::Error) return exit_code::kUsage;
  if (e == GdbEnd::Killed) {
    std::fprintf(stderr, "pvlab: the debugger ended the machine\n");
    return exit_code::kPowerOff;
  }
  std::fprintf(stderr, "pvlab: %s\n", target.end_text().c_str());
  const std::string& out = target.console();
  const bool same = state_hash(reinterpret_cast<const uint8_t*>(out.data()), out.size()) == rec.end.output_hash;
  std::fprintf(stderr, "replay: the guest's output %s the recording's; it ended at instruction %llu (recorded: %llu)\n",
               same ? "matches" : "differs from", (unsigned long long)m.insns(), (unsigned long long)rec.end.insns);
  return target.exit_status();
}

}  // namespace pvlab
