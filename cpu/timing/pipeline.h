// The cycle engine of the timing model (`engine = cycle`): the same out-of-order core as
// cpu/timing/ooo.h, configured by the same TimingConfig, but advanced one cycle at a time.
// Each retired instruction the functional core hands over becomes a record (PipeInsn) that
// waits at the fetch stage; the engine steps cycles until fetch takes it, and the cycle it
// is taken in becomes CpuState::cycles. Within a cycle the stages run back to front:
//
//   retire    in order from the head of the reorder buffer, `retire_width` micro-ops, every
//             micro-op of an instruction complete;
//   dispatch  from the fetch queue (instructions fetched in an earlier cycle): rename, then
//             reorder buffer, reservation stations and load / store queue entries; stops
//             when one is full or `issue_width` micro-ops went; a serialising instruction
//             waits for the reorder buffer to empty;
//   issue     oldest ready first, to a free functional unit (`*_units` per cycle, dividers
//             busy for their whole latency); a load of a word an older store in flight writes
//             waits for that store and takes its data (store-to-load forwarding), others go
//             through L1D / L2 / memory;
//   fetch     `fetch_width` instructions, a new L1I line through L1I / L2 / memory, I-TLB
//             walks; a taken branch ends the cycle's group, a BTB miss costs
//             `btb_miss_penalty`, a mispredicted branch stops fetch until it has executed
//             plus `mispredict_penalty` - 1 cycles, a serialising one until it has executed.
//
// Only the correct path is seen (the functional core ran it), so wrong-path work is not
// modelled: a misprediction costs the stall. Each cycle goes to one entry of the CPI stack:
// base when something retired, else the cause blocking the head of the reorder buffer (or,
// with the buffer empty, what stopped the front end). docs/timing.md compares the engines.
#pragma once
#include <cstdint>
#include <cstdio>
#include <functional>
#include <memory>
#include <vector>

#include "cpu/timing/bpred.h"
#include "cpu/timing/cache.h"
#include "cpu/timing/config.h"
#include "cpu/timing/engine.h"
#include "cpu/timing/engine_common.h"
#include "cpu/timing/mshr.h"
#include "cpu/timing/prefetch.h"
#include "cpu/timing/uops.h"

namespace pvlab {

// One instruction as the pipeline sees it. Built from a retired Insn by the retire hook, or
// by hand (unit tests).
struct PipeInsn {
  uint32_t src = 0, dst = 0;     // registers read / written by its work (bit kFlagsBit: flags)
  uint32_t addr_regs = 0;        // registers its memory addresses need
  ExecClass cls = ExecClass::Alu;
  bool exec = true;              // an execution micro-op (besides loads and stores)
  bool stack = false;            // PUSH / POP / CALL / RET: ESP moves by an address adder
  uint8_t nloads = 0, nstores = 0;     // addresses of its loads and stores (0-2 each)
  uint64_t load_addr[2] = {}, store_addr[2] = {};
  uint32_t exec_latency = 0;     // Serial and String: cycles of their execution micro-op
  uint8_t uops = 1;              // micro-ops it counts as (reorder buffer, widths)
  uint64_t fetch_line = 0;       // linear address of its first byte (fetch lines)
  uint64_t fetch_pa = 0;         // physical address of its first byte (L1I)
  uint32_t fetch_walk = 0;       // I-TLB miss: walk cycles before it can be fetched
  uint32_t load_walk = 0;        // D-TLB miss: walk cycles added to its load
  bool branch = false, taken = false;
  Prediction pred = Prediction::Correct;
  int32_t func = -1;             // FunctionMap index (-1: none)
  uint32_t eip = 0;              // for the pipeline view
  uint16_t mnemonic = 0;
};

class PipelineModel final : public EngineCommon {
 public:
  explicit PipelineModel(const TimingConfig& cfg);

  void attach(Cpu& cpu) override;
  void retired(Cpu& cpu, const Insn& insn, uint32_t eip) override;
  // Everything the engine has learnt and holds in flight (caches, predictor, miss registers,
  // every instruction and micro-op in the pipeline, fetch's state, counters, CPI stacks) as
  // bytes, so that a restored machine goes on timing exactly as the saved one would
  // (cpu/timing/pipeline_state.cpp). load_state() takes an engine attached to `cpu` whose
  // state was just loaded, with the same configuration and function map.
  void save_state(StateWriter& w) const override;
  bool load_state(StateReader& r, Cpu& cpu) override;

  // Driving the pipeline directly (the retire hook does this for a CPU): start at `cycle`;
  // hand over the next instruction (cycles are stepped until fetch takes it); step until
  // every instruction handed over has retired.
  void start(uint64_t cycle);
  void feed(const PipeInsn& in);
  void drain();
  uint64_t cycle() const { return now_; }   // the open cycle (fetch's)

  // What the structures hold at the end of a cycle.
  struct Occupancy {
    uint32_t rob = 0, rs = 0, lq = 0, sq = 0, fetchq = 0;   // micro-ops / entries
    uint32_t retired = 0, dispatched = 0, issued = 0;        // micro-ops this cycle
    CpiCause charged = CpiCause::Base;                       // where the cycle went
  };
  // Called at the end of every cycle (unit tests; null: none).
  void set_cycle_observer(std::function<void(uint64_t, const Occupancy&)> f) { observer_ = std::move(f); }
  // Write one line per retired instruction with the cycle of each stage (null: none).
  void set_pipeview(std::FILE* f);

 private:
  enum Unit : uint8_t { kAlu, kMul, kDiv, kBranch, kLoad, kStore, kNoUnit, kUnits };
  static constexpr uint64_t kNever = ~0ull;
  static constexpr uint64_t kNone = ~0ull;
  static constexpr unsigned kMaxSrc = 12;

  struct Uop {
    uint64_t done = kNever;   // cycle its result is there (kNever until issued)
    // The micro-ops it waits for: at most the nine registers and flags its work reads and
    // its load, or a store's three address registers and what it stores.
    uint64_t src[kMaxSrc] = {kNone, kNone, kNone, kNone, kNone, kNone, kNone, kNone, kNone, kNone, kNone, kNone};
    uint64_t inst = 0;        // the instruction's sequence number
    uint32_t lat = 1;
    uint8_t nsrc = 0;
    Unit unit = kAlu;
    bool load = false, store = false, counted = true;   // counted: holds a reservation station
    CpiCause cause = CpiCause::Base;   // why it is not done (issued: its latency; else its wait)
    CpiCause run_cause = CpiCause::Base;   // what its latency counts as once issued
  };
  struct Inst {
    PipeInsn in;
    uint64_t first_uop = 0;
    uint8_t nuops = 0, pending = 0;   // micro-ops made, not yet issued
    bool line_checked = false;
    CpiCause fe_cause = CpiCause::Base;   // what delayed its fetch
    uint64_t fetch = 0, dispatch = 0, issue = kNever, complete = 0, retire = 0;
  };

  Inst& inst(uint64_t seq) { return insts_[seq & inst_mask_]; }
  Uop& uop(uint64_t id) { return uops_[id & uop_mask_]; }
  bool ready(uint64_t id) const {
    return id == kNone || id < uop_head_ || uops_[id & uop_mask_].done <= now_;
  }

  bool try_fetch(Inst& in);
  void step();   // close the open cycle, open the next: retire, dispatch, issue
  void retire_stage();
  void dispatch_stage();
  void issue_stage();
  bool issue_one(Uop& u, uint64_t id);
  void rename(Inst& in, uint64_t seq);
  // Charge the open cycle (and the n - 1 after it, all alike: skip_idle) to one CPI entry.
  void charge_cycle(uint64_t n = 1);
  void skip_idle();
  void pipeview_line(const Inst& in, uint64_t seq);
  // The saved state's in-flight instructions and micro-ops (pipeline_state.cpp): read, then
  // checked against each other and the configuration before any is taken.
  void save_inst(StateWriter& w, const Inst& in) const;
  bool load_inst(StateReader& r, Inst& in) const;
  void save_uop(StateWriter& w, const Uop& u) const;
  bool load_uop(StateReader& r, Uop& u) const;

  TimingCache& l1i_ = mem_.l1i;
  TimingCache& l2_ = mem_.l2;
  MissRegs& l2_mshr_ = mem_.l2_mshr;

  std::vector<Inst> insts_;
  uint64_t inst_mask_ = 0;
  uint64_t head_ = 0, disp_ = 0, tail_ = 0;   // oldest in the ROB, fetch queue head, next seq
  std::vector<Uop> uops_;
  uint64_t uop_mask_ = 0, uop_head_ = 0, uop_tail_ = 0;
  std::vector<uint64_t> rs_;        // micro-ops waiting to issue, oldest first
  std::vector<uint64_t> sq_ids_;    // store micro-ops in flight, oldest first
  uint32_t rob_count_ = 0, rs_count_ = 0, lq_count_ = 0, sq_count_ = 0;
  uint32_t fq_cap_ = 0;
  uint64_t producer_[9];            // the micro-op writing each register last (kNone: none)
  std::vector<uint64_t> div_free_;  // cycle each divider takes a new division
  uint32_t unit_count_[kUnits] = {};
  uint32_t unit_used_[kUnits] = {};

  uint64_t now_ = 0;
  uint32_t fetch_used_ = 0;
  uint64_t fetch_resume_ = 0;       // fetch stalls before this cycle
  uint64_t blocked_ = kNone;        // fetch waits for this instruction to execute
  CpiCause stall_cause_ = CpiCause::Base;   // why fetch is (or last was) stalled
  uint64_t fetch_line_ = ~0ull;
  uint32_t retired_now_ = 0, dispatched_now_ = 0, issued_now_ = 0;

  // The retire hook's side.
  uint64_t last_written_ = 0;
  uint64_t walk_total_ = 0, walk_seen_ = 0;

  std::function<void(uint64_t, const Occupancy&)> observer_;
  std::FILE* pipeview_ = nullptr;
};

}  // namespace pvlab
