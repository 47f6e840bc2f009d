// pvlab's gdb remote stub: `pvlab run --gdb PORT [--gdb-wait]`, like QEMU's -s -S. It
// serves the GDB remote protocol for i386 over TCP on 127.0.0.1 and drives a Session.
//
// GdbStub is the protocol side with no socket (packet payload in, reply packets out), so
// tests drive it directly; serve_gdb() is the server around it. The register set is
// described to gdb by a target description: the i386 core feature (general registers,
// eflags, segment selectors, and the x87 registers gdb requires, which read as zero since
// pvlab's CPU has no FPU) and org.pvlab.i386.system (control, debug and descriptor-table
// registers, segment bases and limits, CPL). `monitor` commands reach Session::monitor.
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "frontend/gdb_stub_packets.h"
#include "frontend/session.h"

namespace pvlab {

namespace hyper {
class Hypervisor;
struct PvRunResult;
}  // namespace hyper

struct GdbOptions {
  int port = 0;
  bool wait = false;          // stop before the first instruction until gdb continues
  uint64_t max_insns = 0;     // end the machine after this many instructions (0: never)
  uint64_t reverse_interval = 0;   // keep a reverse history, a snapshot every N instructions (0: off)
  TimingModels* timing = nullptr;  // the machine's timing models, kept in the reverse history
};

class GdbStub {
 public:
  explicit GdbStub(Session& s) : s_(s) {}

  struct Reply {
    std::vector<std::string> packets;   // payloads to send, in order (none for a resume)
    bool resume = false;                // start the machine in `mode`
    RunMode mode = RunMode::Continue;
    bool detach = false;
    bool kill = false;
  };
  Reply handle(std::string_view payload);
  // The stop reply for a stop ("T05...thread:N;", "T02...", "W00"); the thread is the vcpu
  // that stopped (vcpu N is gdb's thread N + 1).
  std::string stop_reply(const StopInfo& st);
  // For a caught event, upcall or refused update: an "O" packet (console output gdb prints)
  // saying what was caught, sent before the stop reply; empty for other stops.
  std::string stop_note(const StopInfo& st);
  bool no_ack() const { return no_ack_; }
  // The whole target description document.
  static const std::string& target_xml();
  // Registers in gdb's numbering (the target description's order).
  static unsigned gdb_reg_count();

 private:
  std::string read_reg(unsigned n);           // hex, empty for no such register
  std::optional<unsigned> vcpu_of_thread(int64_t thread);   // -1 / 0: the selected vcpu
  std::string thread_extra(unsigned vcpu);
  bool write_reg(unsigned n, std::string_view bytes);

  Session& s_;
  bool no_ack_ = false;
  bool stopped_by_gdb_ = true;   // the machine stopped because gdb attached (T05, not T02)
  int64_t step_thread_ = -1;     // Hc: the thread a plain `s` steps
};

enum class GdbEnd { Ended, Killed, Error };
// Serve gdb until the machine ends (or gdb kills it). Without `wait` the machine runs from
// the start and gdb may attach at any time; after a detach it runs on without breakpoints.
GdbEnd serve_gdb(Session& s, const GdbOptions& o);

// `pvlab run --gdb` for each kind of machine: the run's result as `pvlab run` reports it, or
// nothing when pvlab should exit at once with `status` (gdb killed the machine, or the port
// could not be opened).
std::optional<RunResult> run_pc_with_gdb(PcMachine& m, const GdbOptions& o, int& status);
// `back`: the domain's console, input and xenstore, saved with it for reverse execution.
std::optional<hyper::PvRunResult> run_pv_with_gdb(hyper::Hypervisor& hv, PvBackends& back, const GdbOptions& o,
                                                  int& status);

}  // namespace pvlab
