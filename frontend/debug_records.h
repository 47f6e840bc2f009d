// The debugger's views as records for tables (the GUI's TLB, hypercall log, event channel,
// frame table and virtual trap table windows, and the counters), read without side effects
// from a stopped machine. frontend/debug_views.h has the page walk, descriptor tables and
// instruction views; the text forms for gdb's `monitor` live there too. Call these under the
// session's lock (Session::with_target).
#pragma once
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "cpu/cpu.h"

namespace pvlab {

namespace hyper {
class Hypervisor;
}

// ---- counters -----------------------------------------------------------------------------
struct CountersRecord {
  uint64_t insns = 0, cycles = 0;
  size_t blocks = 0;                 // decoded blocks cached
  uint64_t block_lookups = 0, block_misses = 0;
};
CountersRecord counters_record(Cpu& cpu);

// ---- TLB ----------------------------------------------------------------------------------
struct TlbEntryRecord {
  unsigned set = 0, way = 0;
  uint32_t lin = 0;                  // the page's linear address
  paddr_t frame = 0;                 // its physical frame address
  bool write = false, user = false, nx = false, global = false, dirty = false, large = false;
  bool host = false;                 // has a host-pointer fast path
};
struct TlbRecord {
  std::string name;                  // "I-TLB", "D-TLB"
  unsigned sets = 0, ways = 0;
  uint64_t hits = 0, misses = 0, walks = 0, fills = 0, flushes = 0, invlpgs = 0;
  std::vector<TlbEntryRecord> entries;   // valid entries only
};
std::vector<TlbRecord> tlb_records(Cpu& cpu);

// ---- the PV hypervisor --------------------------------------------------------------------
// Where the hypervisor's part of every address space begins (the guest can map nothing from
// here up).
uint32_t hypervisor_area_start();

struct HypercallArgRecord {
  std::string kind;                  // "ptr", "count", "cmd", ...
  uint32_t value = 0;
  std::string text;                  // formatted as the log formats it
};
struct HypercallRecordView {
  uint64_t seq = 0;                  // 0-based number among all hypercalls so far
  uint64_t cycle = 0;
  unsigned vcpu = 0;
  uint32_t nr = 0;
  std::string name;
  std::vector<HypercallArgRecord> args;   // the arguments the call declares
  int32_t result = 0;
  std::string reason;                // why it was refused (empty when it was not)
  std::string line;                  // the whole call on one line
};
struct HypercallLogRecord {
  uint64_t total = 0, refused = 0;
  std::vector<HypercallRecordView> calls;   // oldest first, the last `n` kept by the log
};
HypercallLogRecord hypercall_log_record(hyper::Hypervisor& hv, size_t n = 4096);

struct EvtchnPortRecord {
  uint32_t port = 0;
  std::string state;                 // "unbound", "interdomain", "virq", ...
  unsigned vcpu = 0;                 // whose upcall it raises
  std::string bound;                 // "virq 1", "dom 0 port 3", "host back end", ...
  bool pending = false, masked = false;
};
struct EvtchnVcpuRecord {
  unsigned vcpu = 0;
  bool has_info = false;             // a vcpu_info exists (else the flags are not readable)
  bool upcall_pending = false, upcall_mask = false;
};
struct EvtchnRecord {
  unsigned domain = 0;
  uint32_t shared_info_mfn = 0;
  std::vector<EvtchnPortRecord> ports;   // ports in use
  std::vector<EvtchnVcpuRecord> vcpus;
};
EvtchnRecord evtchn_record(hyper::Hypervisor& hv);

struct FrameRecord {
  uint32_t mfn = 0, pfn = 0;
  uint16_t owner = 0;
  std::string owner_name;            // "dom1", "xen", "free"
  std::string type;                  // page_type_name
  unsigned type_count = 0, count = 0;
  bool validated = false, pinned = false, pae_xen_l2 = false, shared_xen = false;
  bool xen() const { return owner_name == "xen"; }
};
// Every machine frame, in order.
std::vector<FrameRecord> frame_records(hyper::Hypervisor& hv);

struct TrapRecord {
  unsigned vector = 0;
  unsigned dpl = 0;
  bool mask_events = false;
  uint16_t cs = 0;
  uint32_t eip = 0;
};
struct PvTrapsRecord {
  std::vector<TrapRecord> traps;     // the entries the guest set
  // Callbacks as "name cs:eip" (event, failsafe, nmi, sysenter), the kernel stack.
  std::vector<std::pair<std::string, std::string>> callbacks;
};
PvTrapsRecord pv_traps_record(hyper::Hypervisor& hv, unsigned vcpu);

}  // namespace pvlab
