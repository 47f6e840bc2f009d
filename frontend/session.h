// A debugging session: the one API the command line, the gdb stub (frontend/gdb_stub.h)
// and the GUI drive, for bare-metal and PV machines alike (frontend/session_target.h).
//
// Running. run() runs on the calling thread until something stops the machine; start()
// runs the same on the session's own thread, and wait() collects the stop. Either way the
// machine runs in slices of kSliceInsns instructions; between slices the session checks
// pause() (callable from any thread) and lets views in. Every method that reads or changes
// the machine takes the session's lock, so while the machine runs a view sees it as it is
// between two slices: a consistent state, never one in the middle of an instruction.
//
// Stopping. Breakpoints (linear or physical), watchpoints (read / write / access of a linear
// or physical range), caught exception vectors and caught PV hypercalls are checked by the
// CPU itself (cpu/breakpoints.h): with none set, an attached session costs one pointer test
// per block. A PV domain's event upcalls and refused page-table or descriptor updates are
// the hypervisor's doings: it reports them through hyper::DebugHooks, installed only while
// they are caught (frontend/session_catch.cpp). Step runs one instruction (or delivers one
// event) of the selected vcpu; step over runs a CALL, an INT or a REP string instruction to
// the instruction after it; run-to stops at an address. A stop selects the vcpu that stopped.
//
// Reverse. With enable_reverse() the session keeps a history of the run: an in-memory
// snapshot every N instructions and every instruction count at which a run stopped (the
// machine checks interrupts and device deadlines where a run resumes, so a replay must stop
// at the same counts to be the same run). Going back to count K restores the latest
// snapshot at or before K and runs forward to K through the same stops
// (frontend/session_reverse.cpp). Running forward from a point in the past starts a new
// future: the history after that point is dropped. Writing a register or memory starts a
// new history at the current point. Under a timing model (set_timing) every snapshot holds
// the model's state too, so going back restores it warm and the cycle counter after a step
// back is the one the forward run had there. With several vcpus a point is the count of
// instructions all vcpus retired (the scheduler's interleaving is deterministic); stepping
// back steps back the selected vcpu.
//
// Addresses: "virtual" means linear (segment base + offset; pvlab's guests use flat
// segments, so it is the address the program sees). Physical means guest physical (machine
// address for a PV domain).
#pragma once
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "cpu/breakpoints.h"
#include "frontend/debug_views.h"
#include "frontend/session_target.h"

namespace pvlab {

// ReverseStep and ReverseContinue need the reverse history (Session::enable_reverse).
enum class RunMode : uint8_t { Continue, Step, StepOver, RunTo, ReverseStep, ReverseContinue };

struct StopInfo {
  enum class Why : uint8_t {
    Step,         // the step finished
    Breakpoint,   // an instruction breakpoint (or the run-to / step-over target)
    Watchpoint,   // hit.addr / hit.access / hit.index say which
    Event,        // a caught exception vector or hypercall: hit.vector, hit.eax
    Paused,       // pause() was called
    Ended,        // the machine is finished: exit_status, text
    Upcall,       // PV: an event upcall was delivered; EIP is at the callback (port, ports)
    Rejected,     // PV: a page-table or descriptor update was refused (reason, fault_eip)
    HistoryBegin, // going backwards reached the start of the reverse history
  };
  Why why = Why::Paused;
  unsigned vcpu = 0;        // the vcpu that stopped (the one whose CPU ran last)
  uint32_t pc = 0;          // linear address of the next instruction
  DebugHit hit;
  int exit_status = 0;      // Ended
  std::string text;         // one line saying what happened
  // Upcall: the first caught port and every port the callback will find.
  uint32_t port = 0;
  std::vector<uint32_t> ports;
  // Rejected: the validation rule the update broke, the hypercall's number (0 for a
  // writable-page-table store) and where the update was asked for: after the hypercall, or
  // the store's own address (the CPU then stops in the guest's page-fault handler).
  std::string reason;
  uint32_t update_hypercall = 0;
  uint32_t fault_eip = 0;
};
const char* stop_why_name(StopInfo::Why w);

// Registers as the session names them. The gdb stub maps gdb's numbering onto these.
enum class Reg : uint8_t {
  EAX, ECX, EDX, EBX, ESP, EBP, ESI, EDI, EIP, EFLAGS,
  CS, SS, DS, ES, FS, GS,
  CR0, CR2, CR3, CR4, EFER,
  DR0, DR1, DR2, DR3, DR6, DR7,
  GDTR_BASE, GDTR_LIMIT, IDTR_BASE, IDTR_LIMIT, LDTR, TR,
  ES_BASE, CS_BASE, SS_BASE, DS_BASE, FS_BASE, GS_BASE,
  ES_LIMIT, CS_LIMIT, SS_LIMIT, DS_LIMIT, FS_LIMIT, GS_LIMIT,
  CPL, kCount
};
struct RegInfo {
  const char* name;
  uint8_t bits;          // 32 or 64
  bool writable;
  const char* group;     // "general", "segment", "system"
};
const RegInfo& reg_info(Reg r);
std::optional<Reg> reg_by_name(const std::string& name);

struct BreakpointInfo {
  int id = 0;
  uint64_t addr = 0;
  bool phys = false;
};
struct WatchpointInfo {
  int id = 0;
  Watchpoint w;
};

struct ReverseHistory;
class TimingModels;
struct RevHit;

class Session {
 public:
  static constexpr uint64_t kSliceInsns = 1'000'000;

  explicit Session(std::unique_ptr<Target> target);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // ---- the machine ---------------------------------------------------------------------------
  Target& target() { return *target_; }
  const char* kind() const { return target_->kind(); }
  unsigned vcpus() { return target_->vcpus(); }
  // The vcpu that views and steps address (0 unless changed).
  void select_vcpu(unsigned v);
  unsigned vcpu() const { return vcpu_; }
  // Stop the machine for good after this many instructions in all (0: no limit).
  void set_insn_limit(uint64_t total) { insn_limit_ = total; }
  bool ended();
  int exit_status();
  std::string console();

  // ---- running -------------------------------------------------------------------------------
  // Run on this thread until a stop; `addr` is the run-to target (linear).
  StopInfo run(RunMode mode = RunMode::Continue, uint32_t addr = 0);
  // The same on the session's thread; wait() returns the stop once there is one.
  void start(RunMode mode = RunMode::Continue, uint32_t addr = 0);
  bool running() const { return running_.load(); }
  std::optional<StopInfo> wait(std::chrono::milliseconds timeout);
  // Stop a run at the next slice boundary (any thread; nothing happens when none runs).
  void pause();
  // The last stop (Paused before the first run).
  StopInfo last_stop();

  // ---- reverse execution ---------------------------------------------------------------------
  // Keep the reverse history, a snapshot every `interval` instructions (0: the default,
  // kReverseInterval). False with `error` when the machine has ended (reverse_refusal() keeps
  // that message).
  static constexpr uint64_t kReverseInterval = 10'000'000;
  bool enable_reverse(uint64_t interval, std::string& error);
  // The timing models attached to the machine's CPUs (frontend/timing_setup.h), whose state
  // the reverse history keeps with the machine's; null: none. Set before enable_reverse().
  void set_timing(TimingModels* t) { timing_ = t; }
  bool reverse_enabled() const { return rev_ != nullptr; }
  // Why enable_reverse() last refused (empty: it did not).
  const std::string& reverse_refusal() const { return rev_refusal_; }
  // Back one instruction of the selected vcpu, to the point just before it ran its last one;
  // the other vcpus go back with it (Step, or HistoryBegin at the start of the history).
  StopInfo reverse_step();
  // Back to the latest breakpoint, watchpoint or caught-event stop on any vcpu before the
  // current point, selecting that vcpu (HistoryBegin at the start of the history when there
  // is none).
  StopInfo reverse_continue();
  // To instruction count `k` of the history, counting every vcpu's (clamped to its start and
  // its furthest point).
  StopInfo goto_insn(uint64_t k);
  // Instruction counts: where the history starts, the furthest point reached, and now.
  struct Timeline {
    uint64_t begin = 0, end = 0, now = 0;
    size_t snapshots = 0;
  };
  Timeline timeline();

  // ---- breakpoints, watchpoints, catches -----------------------------------------------------
  int add_breakpoint(uint64_t addr, bool phys = false);
  bool remove_breakpoint(int id);
  bool remove_breakpoint_at(uint64_t addr, bool phys = false);
  int add_watchpoint(const Watchpoint& w);
  bool remove_watchpoint(int id);
  bool remove_watchpoint_at(const Watchpoint& w);
  void clear_breakpoints();   // breakpoints and watchpoints (catches stay)
  std::vector<BreakpointInfo> breakpoints();
  std::vector<WatchpointInfo> watchpoints();
  void catch_vector(uint8_t vector, bool on);
  // PV: stop after a hypercall `nr` (any number with `any`; only refused ones with
  // `failed_only`). Returns false on a bare-metal machine.
  bool catch_hypercall(std::optional<uint32_t> nr, bool on, bool failed_only = false);
  // PV: stop when the hypervisor delivers an event upcall that will find `port` pending
  // (any port with nullopt); the vcpu stops with EIP at its event callback, before the
  // callback's first instruction. Returns false on a bare-metal machine.
  bool catch_upcall(std::optional<uint32_t> port, bool on);
  // PV: stop after the hypervisor refuses a page-table or descriptor update: one of the
  // update hypercalls (mmu_update, mmuext_op, update_va_mapping, set_gdt, update_descriptor,
  // also inside a multicall) or a kernel's direct store to its own page table that the
  // writable-page-table assist refused. Returns false on a bare-metal machine.
  bool catch_rejected_updates(bool on);
  void clear_catches();

  // ---- registers and memory ------------------------------------------------------------------
  uint64_t reg(Reg r);
  // False with `error` when the register cannot take the value (read-only, a selector the
  // descriptor tables do not hold, a CR0 value the CPU refuses, ...).
  bool set_reg(Reg r, uint64_t value, std::string& error);
  // Bytes read (stops at the first unmapped or non-RAM byte). No side effects.
  size_t read_memory(uint64_t addr, void* dst, size_t n, bool phys = false);
  // Bytes written; decoded code on written frames is dropped. Read-only pages are written too.
  size_t write_memory(uint64_t addr, const void* src, size_t n, bool phys = false);
  bool translate(uint32_t lin, paddr_t& phys);

  // ---- views ---------------------------------------------------------------------------------
  std::string disassemble(uint32_t lin, unsigned count, bool att = false);
  PageWalkView page_walk(uint32_t lin);
  std::string registers_text();
  std::string counters_text();
  std::string tlb_text();
  std::string descriptor_text(DescTableKind which);
  std::string tss_text();
  // PV views (an explanation instead on a bare-metal machine).
  std::string frames_text(uint32_t first = 0, uint32_t count = 0);
  std::string evtchn_text();
  std::string hypercalls_text(unsigned n = 32);
  // The monitor command interpreter shared by gdb's `monitor` and the command line:
  // `help` lists the commands.
  std::string monitor(const std::string& line);

  // Run `f(Target&)` under the session's lock (views the API above lacks).
  template <class F>
  auto with_target(F&& f) {
    Lock l(*this);
    return f(*target_);
  }

 private:
  // The session's lock, taken by views; the running thread yields to waiting views between
  // slices.
  struct Lock {
    explicit Lock(Session& s);
    ~Lock();
    Session& s;
  };
  class PvCatches;   // the hypervisor's debug hooks (frontend/session_catch.cpp)
  Cpu& cur() { return target_->cpu(vcpu_); }
  void sync_pv_catches();      // install or remove the hooks
  void sync_breaks();          // push breaks_ (plus any temporary breakpoint) to every CPU
  StopInfo run_locked_slices(RunMode mode, uint32_t addr);
  // `vcpu`: the vcpu the stop belongs to, when not the one that ran last.
  StopInfo make_stop(StopInfo::Why why, std::optional<unsigned> vcpu = std::nullopt);
  void worker();
  // The reverse history (frontend/session_reverse.cpp); all under the lock.
  uint64_t insns_now();
  void rev_before_run();
  void rev_after_run(bool ended);
  void rev_snapshot();
  bool rev_restore(size_t snap);
  void rev_note_focus(unsigned vcpu);
  // Restore snapshot `from` (default: the latest at or before k) and run forward to count k;
  // with `breaks` the debug breaks stay armed and every hit before k is appended to `hits`.
  bool rev_replay_to(uint64_t k, bool breaks, std::vector<RevHit>* hits, size_t from = ~size_t(0));
  // The count at which `vcpu` retired its instruction number `n`, replaying from snapshot
  // `snap` to count `end` (0 when it did not).
  uint64_t rev_find_retire(unsigned vcpu, uint64_t n, size_t snap, uint64_t end);
  StopInfo rev_step_locked();
  StopInfo rev_continue_locked();
  StopInfo rev_goto_locked(uint64_t k, std::optional<unsigned> vcpu = std::nullopt);

  std::unique_ptr<Target> target_;
  unsigned vcpu_ = 0;
  uint64_t insn_limit_ = 0;

  std::mutex mu_;
  std::atomic<int> waiters_{0};
  std::atomic<bool> pause_{false};
  std::atomic<bool> running_{false};

  DebugBreaks breaks_;
  std::vector<BreakpointInfo> bps_;
  std::vector<WatchpointInfo> wps_;
  int next_id_ = 1;
  bool hcall_failed_only_ = false;
  std::optional<uint32_t> temp_bp_;   // step over / run to
  std::vector<uint32_t> bp_stood_;    // per vcpu: the breakpoint it stopped at (~0: none)
  StopInfo last_;
  std::unique_ptr<PvCatches> pv_catches_;
  std::optional<StopInfo> pv_hit_;    // what a PV catch saw in the run under way
  std::unique_ptr<ReverseHistory> rev_;
  TimingModels* timing_ = nullptr;
  std::string rev_refusal_;

  // The session's thread (started on first use).
  std::thread thread_;
  std::mutex qmu_;
  std::condition_variable qcv_;
  bool job_ = false, quit_ = false;
  RunMode job_mode_ = RunMode::Continue;
  uint32_t job_addr_ = 0;
  std::optional<StopInfo> result_;
};

}  // namespace pvlab
