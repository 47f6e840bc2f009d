// The hypercall table: every hypercall pvlab answers is declared once, with its number, name,
// argument kinds and handler. The table drives dispatch, the hypercall log (--log hcall) and
// the debugger's views. Each area registers its own hypercalls (register_* below), the way
// the CPU's instruction groups fill the opcode table.
#pragma once
#include <array>
#include <cstdint>
#include <deque>
#include <string>

namespace pvlab::hyper {

class Hypervisor;
struct Domain;
struct Vcpu;

enum class Arg : uint8_t {
  None,
  Uint,     // a number shown in hex
  Int,      // a signed number
  Ptr,      // a guest virtual address
  Cmd,      // a sub-operation number
  Count,    // an element count
  Domid,
  Lo, Hi,   // the halves of a 64-bit value split over two registers
};

// Hypercall continuations, as in Xen: a long batch (mmu_update, mmuext_op, multicall) does a
// share of its work, then records the arguments that describe the rest and is "preempted":
// the guest's EIP goes back to the `int $0x82` with those arguments in its registers (or, for
// a call inside a multicall, in its multicall entry), so the guest re-executes the call and
// events can be delivered in between. Xen preempts when softirqs or events are pending; pvlab
// preempts after kHypercallBatch entries in one pass, so runs stay deterministic.
constexpr uint32_t kHypercallBatch = 128;
// Should a batch that has done `done_this_pass` entries in this pass stop here?
inline bool hypercall_preempt_check(uint32_t done_this_pass) { return done_this_pass >= kHypercallBatch; }

struct HypercallCtx {
  Hypervisor& hv;
  Domain& dom;
  Vcpu& vcpu;
  std::array<uint32_t, 5> arg{};   // EBX, ECX, EDX, ESI, EDI
  std::string reason;              // why a request was refused (shown in the log)
  bool handled_eip = false;        // the handler set EIP / the whole frame itself (iret)
  bool preempted = false;          // create_continuation was called: re-run with cont_args
  std::array<uint32_t, 5> cont_args{};

  // Refuse the request: remember why and return `err` (a negative Xen error number).
  int32_t reject(int32_t err, std::string why) {
    if (reason.empty()) reason = std::move(why);
    return err;
  }
  // Stop here and have the call re-executed with `args` (the same hypercall number).
  void create_continuation(const std::array<uint32_t, 5>& args, std::string note) {
    preempted = true;
    cont_args = args;
    if (reason.empty()) reason = std::move(note);
  }
};

// What a dispatched hypercall left besides its result.
struct HypercallOutcome {
  bool handled_eip = false;        // the handler set EIP and EAX itself (iret)
  bool preempted = false;          // re-execute the call with its first `nargs` of `args`
  std::array<uint32_t, 5> args{};
  unsigned nargs = 0;
};

using HypercallFn = int32_t (*)(HypercallCtx&);

struct HypercallDef {
  unsigned nr = 0;
  const char* name = nullptr;
  std::array<Arg, 5> args{};
  HypercallFn fn = nullptr;
};

class HypercallTable {
 public:
  static constexpr unsigned kSize = 64;
  void add(const HypercallDef& d);
  const HypercallDef* find(unsigned nr) const {
    return nr < kSize && table_[nr].fn ? &table_[nr] : nullptr;
  }
  const char* name(unsigned nr) const;
  // How many arguments hypercall `nr` takes (its leading Arg kinds that are not None): the
  // registers, or multicall argument words, a continuation rewrites.
  unsigned arg_count(unsigned nr) const;

 private:
  std::array<HypercallDef, kSize> table_{};
};

// One hypercall as it happened, for the log and the debugger.
struct HypercallRecord {
  uint64_t cycle = 0;
  uint16_t domain = 0;
  uint8_t vcpu = 0;
  uint32_t nr = 0;
  std::array<uint32_t, 5> arg{};
  int32_t result = 0;
  std::string reason;       // empty unless something was refused
};

class HypercallLog {
 public:
  static constexpr size_t kKeep = 4096;
  void add(HypercallRecord r) {
    ++total_;
    if (r.result < 0) ++failed_;
    recent_.push_back(std::move(r));
    if (recent_.size() > kKeep) recent_.pop_front();
  }
  const std::deque<HypercallRecord>& recent() const { return recent_; }
  uint64_t total() const { return total_; }
  uint64_t failed() const { return failed_; }

 private:
  std::deque<HypercallRecord> recent_;
  uint64_t total_ = 0, failed_ = 0;
};

// One line describing a record ("mmu_update(ptr=..., count=2, ...) = -22: reason").
std::string format_hypercall(const HypercallTable& t, const HypercallRecord& r);

// Registration, one function per area.
void register_basic_hypercalls(HypercallTable& t);   // xen_version, console_io, sched_op, vm_assist, sysctl
void register_mm_hypercalls(HypercallTable& t);      // mmu_update, mmuext_op, update_va_mapping, set_gdt, update_descriptor, memory_op
void register_trap_hypercalls(HypercallTable& t);    // set_trap_table, stack_switch, set_callbacks, callback_op, iret, fpu_taskswitch, debugregs, physdev_op
void register_event_hypercalls(HypercallTable& t);   // event_channel_op, set_timer_op, vcpu_op, sched poll/block
void register_grant_hypercalls(HypercallTable& t);
void register_sysctl_hypercall(HypercallTable& t);    // sysctl: the interface-version probe   // grant_table_op, multicall

}  // namespace pvlab::hyper
