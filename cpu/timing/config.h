// The parameters of the out-of-order timing model (cpu/timing/ooo.h), and the reader of the
// `[timing]` section of a configuration file (INI, parsed by inih). Every field has a key of
// the same name; cpu/timing/configs/ holds the shipped machines, docs/timing.md explains them.
#pragma once
#include <cstdint>
#include <string>

namespace pvlab {

// One cache level: set-associative, LRU, allocate on every miss (writes included).
struct CacheParams {
  uint32_t size = 0;      // bytes
  uint32_t assoc = 0;     // ways
  uint32_t line = 0;      // bytes, a power of two
  uint32_t latency = 0;   // load-to-use cycles when an access hits at this level
};

// The defaults are the Pentium M class core of cpu/timing/configs/pentium-m.ini (a unit test
// keeps the two equal).
// The largest reorder buffer, reservation-station pool or load / store queue a
// configuration may have.
constexpr uint32_t kMaxWindow = 1024;

struct TimingConfig {
  std::string name = "pentium-m";
  // Which engine runs the model (cpu/timing/engine.h): "fast" schedules each instruction once
  // against per-cycle resource tables (cpu/timing/ooo.h); "cycle" advances a pipeline one
  // cycle at a time (cpu/timing/pipeline.h). Same parameters, same statistics.
  std::string engine = "fast";

  // Pipeline widths (instructions or micro-ops per cycle) and window sizes (entries, at most
  // kMaxWindow each).
  uint32_t fetch_width = 3;     // instructions delivered by fetch/decode per cycle
  uint32_t issue_width = 3;     // micro-ops renamed and dispatched into the window per cycle
  uint32_t retire_width = 3;    // micro-ops retired per cycle
  uint32_t rob_size = 40;
  uint32_t rs_size = 20;        // reservation stations (micro-ops waiting to execute)
  uint32_t lq_size = 16;        // loads in flight
  uint32_t sq_size = 12;        // stores in flight

  // Functional units: how many of each, and the latency of an operation on them.
  uint32_t alu_units = 2, alu_latency = 1;
  uint32_t mul_units = 1, mul_latency = 4;
  uint32_t div_units = 1, div_latency = 39;   // not pipelined: a unit takes one division at a time
  uint32_t branch_units = 1;                  // branches resolve one cycle after issue
  uint32_t load_units = 1;                    // address generation + cache port for loads
  uint32_t store_units = 1;                   // store address / data
  // Instructions pvlab runs as one serialising micro-op (system instructions, I/O, far
  // transfers): they wait for the window to drain and take the atomic model's cost.
  uint32_t serialize_latency = 0;             // added on top of the atomic cost

  // Caches and memory.
  CacheParams l1i{32768, 8, 64, 1};
  CacheParams l1d{32768, 8, 64, 3};
  CacheParams l2{2u << 20, 8, 64, 10};
  uint32_t mem_latency = 200;   // load-to-use cycles for an access that misses every level
  // Miss-status registers: how many misses each level keeps outstanding at once (L1D: loads
  // missing it; L2: loads, prefetches and instruction fetches missing it). A miss to a line
  // already outstanding merges with it; when all are busy a miss waits for the first to free.
  uint32_t l1d_mshrs = 4, l2_mshrs = 8;
  // The L1D stride prefetcher (cpu/timing/prefetch.h): on or off (`true` / `false`), and how
  // many strides ahead of a confirmed stream it fetches.
  uint32_t l1d_prefetch = 1, l1d_prefetch_degree = 2;

  // Branch prediction.
  uint32_t btb_entries = 512, btb_assoc = 4;
  uint32_t history_bits = 8;       // global history length (gshare index: PC xor history)
  uint32_t pht_entries = 4096;     // 2-bit counters, a power of two
  uint32_t ras_entries = 8;        // return stack
  uint32_t mispredict_penalty = 12;  // cycles from the branch's execution to the first
                                     // correct-path instruction entering the window
  uint32_t btb_miss_penalty = 2;     // a taken direct branch missing in the BTB: cycles until
                                     // the decoder redirects fetch

  // Page walks (the functional MMU's TLBs decide hits and misses).
  uint32_t walk_cycles_per_level = 4;
  uint32_t itlb_sets = 32, itlb_ways = 4;
  uint32_t dtlb_sets = 32, dtlb_ways = 4;
  // 1: the walker's table reads go through L1D, L2 and memory as loads do, each costing the
  // latency of the level holding its line (one after the other: each read needs the entry
  // before it), instead of `walk_cycles_per_level` each. 0 or 1 (`true` / `false`).
  uint32_t walk_caches = 1;

  // The PV hypervisor (cpu/timing/hv_hook.h): cycles to enter it (the trap to ring 0, the
  // stack switch, saving the guest's registers) and to leave it (restoring them, IRET to the
  // guest), on top of which a hypercall costs `hv_hypercall` (dispatch and argument checks)
  // and building a bounce frame for the guest kernel `hv_bounce`. Estimates: see the
  // shipped configurations.
  uint32_t hv_entry = 100, hv_exit = 80, hv_hypercall = 50, hv_bounce = 60;
  // Flush both TLBs (global entries too) on every entry to the hypervisor, as a hypervisor
  // in its own address space would have to: 0 or 1 (`true` / `false` in the file).
  uint32_t hv_flush_on_entry = 0;
  // The hypervisor's own work, which grows with what a hypercall asks: for every page-table
  // entry or descriptor it checks (each entry of a page it validates as a page table or
  // descriptor page, each entry an update changes) `hv_per_entry` cycles, plus the entry's
  // read (and, when it stores it, its write) through L1D, L2 and memory like a load.
  uint32_t hv_per_entry = 12;
};

// Read `path`'s `[timing]` section over `cfg` (keys absent from the file keep their value).
// False with `error` naming the file, the line and the key on any problem: unreadable file,
// unknown section or key, a value that is not a number or is out of range.
bool load_timing_config(const std::string& path, TimingConfig& cfg, std::string& error);
// The same from text (`origin` names it in errors).
bool parse_timing_config(const std::string& text, const std::string& origin, TimingConfig& cfg,
                         std::string& error);
// Check the relations between fields (powers of two, sizes divisible by lines, nonzero
// widths). False with a message naming the field.
bool validate_timing_config(const TimingConfig& cfg, std::string& error);

}  // namespace pvlab
