// The PV hypervisor: machine memory with its frame table, the domain and its vcpus (each on
// its own Cpu), the hypercall table, and the Platform the CPUs call on every privilege-0
// event. It runs on the host in C++: hypercalls, faults and interrupts arrive through
// Platform::intercept and are handled or bounced to the guest kernel's virtual trap table.
#pragma once
#include <cstdio>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cpu/cpu.h"
#include "cpu/timing/hv_hook.h"
#include "hyper/builder.h"
#include "hyper/debug_hooks.h"
#include "hyper/domain.h"
#include "hyper/events.h"
#include "hyper/frame_table.h"
#include "hyper/guest_image.h"
#include "hyper/hypercalls.h"
#include "hyper/layout.h"
#include "hyper/trace_event.h"

namespace pvlab {
class StateReader;
class StateWriter;
}  // namespace pvlab

namespace pvlab::hyper {

struct HypervisorConfig {
  size_t domain_bytes = 64u << 20;   // the guest's memory (-m)
  unsigned vcpus = 1;
  std::string cmdline;
  bool initdomain = false;           // SIF_INITDOMAIN (console_io is then the console)
  CpuConfig cpu;
  uint64_t cpu_hz = 1'000'000'000;   // cycles per second: RDTSC and Xen system time
  int64_t wallclock_epoch = 1767225600;   // wallclock at cycle 0 (2026-01-01T00:00:00Z)
};

enum class PvEnd : uint8_t {
  Shutdown,   // the domain shut down (see Domain::shutdown)
  Stopped,    // a CPU stopped (limit, debugger, internal problem): see stop
};

struct PvRunResult {
  PvEnd end = PvEnd::Stopped;
  StopReason stop = StopReason::None;
  ShutdownReason reason = ShutdownReason::None;
};

class Hypervisor final : public Platform {
 public:
  explicit Hypervisor(const HypervisorConfig& cfg);
  ~Hypervisor() override;

  // Build the domain from a PV kernel image (hyper/builder.cpp). On failure `error` is one
  // line naming the problem.
  bool build(const GuestImage& img, std::string& error);
  PvRunResult run(uint64_t max_insns = 0);

  const HypervisorConfig& config() const { return cfg_; }
  PhysMem& mem() { return mem_; }
  Bus& bus() { return bus_; }
  FrameTable& frames() { return frames_; }
  Domain& domain() { return dom_; }
  Cpu& cpu(unsigned vcpu = 0) { return *cpus_[vcpu]; }
  Vcpu& vcpu_of(Cpu& c);
  const HypercallTable& hypercalls() const { return table_; }
  // Run hypercall `nr` for `v` through the table and log it (with its reason when refused);
  // the interrupted CPU's EIP is already past the call. A multicall's entries come here too.
  // `handled_eip`: the handler set EIP and EAX itself (iret).
  int32_t dispatch_hypercall(Vcpu& v, uint32_t nr, const std::array<uint32_t, 5>& args, bool& handled_eip);
  // The same, telling also whether the call was preempted and with which arguments it goes on
  // (hypercall continuations, hypercalls.h).
  int32_t dispatch_hypercall(Vcpu& v, uint32_t nr, const std::array<uint32_t, 5>& args, HypercallOutcome& out);
  HypercallLog& hypercall_log() { return log_; }

  // ---- machine memory ----------------------------------------------------------------------
  // A host pointer to a machine frame for the hypervisor and the back ends to write through:
  // the frame counts as written (mmu/phys_mem.h), whether it then is or not.
  uint8_t* frame_ptr(uint32_t mfn) {
    mem_.mark_dirty(mfn);
    return mem_.ptr(paddr_t(mfn) << kPageShift);
  }
  uint32_t machine_frames() const { return uint32_t(mem_.frames()); }
  // A zeroed frame owned by the hypervisor; 0 when the pool is exhausted.
  uint32_t alloc_xen_frame();
  // The read-only machine-to-physical table the guest reads at kM2PStart.
  void set_m2p(uint32_t mfn, uint32_t pfn);
  uint32_t m2p(uint32_t mfn) const;
  // Frames of hypervisor-owned tables every pae_xen_l2 shares (the L1s that map the M2P,
  // the per-vcpu tables and the TSSs); mm.cpp copies them into each such L2.
  uint64_t hv_l2_entry(unsigned slot) const { return hv_l2_[slot - kFirstHvL2Slot]; }
  // Write an L1 entry of the per-vcpu table area (GDT/LDT/TSS pages).
  void map_hv_page(uint32_t va, uint32_t mfn, bool writable);
  // The frame of a free page used for unused GDT pages (all descriptors null).
  uint32_t zero_frame() const { return zero_frame_; }
  // The vcpu's GDT page holding the reserved entries (and the LDT descriptor, mm_desc.cpp).
  uint32_t reserved_gdt_frame(unsigned vcpu) const { return reserved_gdt_[vcpu]; }

  // ---- the domain's console and life ---------------------------------------------------------
  void set_console_sink(std::function<void(char)> f) { console_sink_ = std::move(f); }
  const std::function<void(char)>& console_sink() const { return console_sink_; }
  void console_write(const std::string& text);
  const std::string& console() const { return console_; }
  void set_hypercall_log(FILE* f) { hcall_log_ = f; }
  // Only the refused hypercalls, with their reasons (the built-in demo shows them).
  void set_refusal_log(FILE* f) { refusal_log_ = f; }
  void set_event_log(FILE* f) { event_log_ = f; }
  FILE* event_log() const { return event_log_; }
  // Where hypercalls, delivered events, event-channel sends and page-table validations are
  // reported as TraceEvents (null: nowhere; nothing is built then).
  void set_trace_sink(TraceEventSink* s) { trace_sink_ = s; }
  TraceEventSink* trace_sink() const { return trace_sink_; }
  // Report an event (call only when trace_sink() is set).
  void trace(TraceEvent&& e) { trace_sink_->event(e); }
  // The cycle and vcpu an event reported now belongs to (the running vcpu; between turns the
  // latest cycle and vcpu 0).
  uint64_t trace_cycle() const;
  unsigned trace_vcpu() const;
  // Counts bounce frames built for the guest (traps.cpp), so a delivery can tell whether it
  // bounced an event to the guest kernel or the hypervisor dealt with it.
  void count_bounce() { ++bounces_; }
  // A debugger's hooks (hyper/debug_hooks.h); null for none.
  void set_debug_hooks(DebugHooks* h) { debug_hooks_ = h; }
  DebugHooks* debug_hooks() const { return debug_hooks_; }
  // The timing model told of every entry to and exit from the hypervisor (null: none; the
  // entry path then pays one pointer test).
  void set_timing_hook(HvTimingHook* h) { timing_hook_ = h; }
  // One entry of page-table or descriptor work at machine address `maddr` (mm.cpp), told to
  // the timing model when one is attached and a vcpu is running (not while building).
  void timing_work(uint64_t maddr, bool write) {
    if (timing_hook_ != nullptr && current_ != nullptr) timing_hook_->hv_work(*current_->cpu, maddr, write);
  }
  void shutdown(ShutdownReason r);
  // Stop the domain because it cannot go on (a frame that cannot be written, a fault with no
  // handler). The reason is kept for the state dump.
  void crash(Vcpu& v, const std::string& why);

  // Load the vcpu's GDTR, TR and segment state after the guest's descriptor tables changed.
  void load_gdt(Vcpu& v);
  // Flat ring-1 segments from the reserved GDT entries, the TSS, EIP and ESP.
  void enter_ring1(Vcpu& v, uint32_t eip, uint32_t esp);
  const BootLayout& boot_layout() const { return layout_; }
  // Load CR3 with a new L3 (type references are mm.cpp's business).
  void load_cr3(Vcpu& v, uint32_t l3_mfn);

  // ---- scheduling (schedule.cpp) ---------------------------------------------------------------
  // The vcpu whose CPU is running now (nullptr between turns).
  Vcpu* current_vcpu() const { return current_; }
  void set_current_vcpu(Vcpu* v) { current_ = v; }
  // How the last run ended, once it has (a shutdown).
  const PvRunResult* run_end() const { return end_ ? &*end_ : nullptr; }
  // End the run (StopReason::CycleLimit) at the first switch between scheduling quanta where
  // the domain's time (now()) has reached `cycle`: a point every run passes through, so a
  // snapshot or a replay checkpoint taken there does not change what follows. ~0: never.
  void set_stop_cycle(uint64_t cycle) { stop_cycle_ = cycle; }
  uint64_t stop_cycle() const { return stop_cycle_; }
  // Host back ends with work at cycle deadlines (devices/xen/), polled by the run loop.
  void add_host_device(HostDevice* d) { host_devices_.push_back(d); }
  void remove_host_device(HostDevice* d) { std::erase(host_devices_, d); }
  const std::vector<HostDevice*>& host_devices() const { return host_devices_; }
  // The latest cycle any vcpu has reached (the stamp for host input).
  uint64_t now() const;

  // ---- state as bytes (hyper/state_io.cpp) -----------------------------------------------------
  // Everything of the hypervisor and its domain but machine memory (the snapshot file keeps
  // that itself) and the logs: the frame table, the domain, each vcpu with its CPU, event
  // channels, grant tables, the scheduler. load_state() reads into a hypervisor built from the
  // same image with the same configuration (the wiring of host back ends stays as built).
  // After a failed load the hypervisor is unusable.
  void save_state(StateWriter& w) const;
  bool load_state(StateReader& r);

  // Platform
  bool intercept(Cpu& c, const Event& e) override;
  bool idle(Cpu& c) override;
  void deadline(Cpu& c) override;
  bool irq_pending() override;
  uint8_t irq_ack() override;

 private:
  void setup_hypervisor_area();
  void hypercall(Cpu& c, Vcpu& v, const Event& e);

  // Every CPU's block cache hears of code writes (the Bus has one listener).
  struct CodeWriteFanout final : CodeWriteListener {
    std::vector<Cpu*> cpus;
    void code_written(paddr_t addr, unsigned size) override {
      for (Cpu* c : cpus) c->code_written(addr, size);
    }
  };

  HypervisorConfig cfg_;
  PhysMem mem_;
  Bus bus_;
  CodeWriteFanout code_fanout_;
  FrameTable frames_;
  Domain dom_;
  std::vector<std::unique_ptr<Cpu>> cpus_;
  HypercallTable table_;
  HypercallLog log_;
  uint32_t next_xen_frame_ = 1;
  uint32_t xen_pool_end_ = 0;       // first frame after the hypervisor's pool
  uint32_t m2p_first_mfn_ = 0;      // where the M2P table's frames start
  uint32_t percpu_l1_ = 0;          // L1 mapping GDT/LDT pages of every vcpu
  uint32_t tss_l1_ = 0;             // L1 mapping the TSS pages
  uint32_t zero_frame_ = 0;
  std::vector<uint64_t> hv_l2_;     // L2 entries for slots kFirstHvL2Slot .. 511
  std::vector<uint32_t> reserved_gdt_;   // per vcpu: the GDT page holding the reserved entries
  std::function<void(char)> console_sink_;
  std::string console_;
  FILE* hcall_log_ = nullptr;
  FILE* refusal_log_ = nullptr;
  FILE* event_log_ = nullptr;
  TraceEventSink* trace_sink_ = nullptr;
  uint64_t bounces_ = 0;
  DebugHooks* debug_hooks_ = nullptr;
  HvTimingHook* timing_hook_ = nullptr;
  std::optional<PvRunResult> end_;
  Vcpu* current_ = nullptr;
  std::vector<HostDevice*> host_devices_;
  BootLayout layout_;
  uint64_t stop_cycle_ = ~0ull;
};

}  // namespace pvlab::hyper
