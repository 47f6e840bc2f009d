// The out-of-order timing model. It is a RetireHook: the functional core executes, and for
// each retired instruction the model works out, from the decoded Insn, the registers before
// and after it and the addresses it touched, when that instruction would have been fetched,
// dispatched into the window, issued to a unit, completed and retired on the configured core
// (cpu/timing/config.h). Each instruction is scheduled once, in program order, against
// per-cycle records of every shared resource (fetch, dispatch and retire slots, functional
// units, window entries), so the cost per instruction is small and constant.
//
// The machine's cycle counter follows the model: after each instruction the hook sets
// CpuState::cycles to the model's retire cycle of that instruction (plus any time that passed
// outside instructions: idle HLT, event delivery), so RDTSC, device timers and Xen time see
// the model's time and runs stay deterministic. Page-walk cycles the MMU counts go to the
// model, which charges them to the instruction that walked.
//
// Every cycle is charged to one entry of a CPI stack (TimingStats::cpi) when the instruction
// that ends it retires: see docs/timing.md for what each entry means.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "cpu/cpu.h"
#include "cpu/timing/bpred.h"
#include "cpu/timing/cache.h"
#include "cpu/timing/config.h"
#include "cpu/timing/engine.h"
#include "cpu/timing/engine_common.h"
#include "cpu/timing/functions.h"
#include "cpu/timing/history.h"
#include "cpu/timing/hv_hook.h"
#include "cpu/timing/mshr.h"
#include "cpu/timing/prefetch.h"
#include "cpu/timing/uops.h"

namespace pvlab {

class OooModel final : public EngineCommon {
 public:
  explicit OooModel(const TimingConfig& cfg);

  // Install on `cpu` (first in its chain of retire hooks, and the MMU's walk-cycle counter);
  // EngineCommon::detach takes them off again.
  void attach(Cpu& cpu) override;

  void retired(Cpu& cpu, const Insn& insn, uint32_t eip) override;


  // Everything the model has learnt and counted (caches, predictor, window and unit tables,
  // counters, CPI stacks) as bytes, so that a restored machine goes on timing exactly as the
  // saved one would (cpu/timing/ooo_state.cpp). load_state() takes a model attached to `cpu`
  // whose state was just loaded, with the same configuration and function map.
  void save_state(StateWriter& w) const override;
  bool load_state(StateReader& r, Cpu& cpu) override;
  // The memory side's state (miss-status registers, prefetcher), for snapshots of the model.
  void save_memory(StateWriter& w) const;
  bool load_memory(StateReader& r);

 private:
  // Per-cycle usage of one kind of slot (fetch, dispatch, retire, a unit class), over a
  // sliding window of cycles; the slot for a cycle is valid while its tag says that cycle.
  class SlotTable {
   public:
    void init(uint32_t per_cycle);
    // The slots of cycles >= `from` (older ones can no longer be asked for).
    void save(StateWriter& w, uint64_t from) const;
    bool load(StateReader& r);
    // The first cycle >= `from` with a free slot; that slot is taken.
    PVLAB_INLINE uint64_t take(uint64_t from) {
      for (;; ++from) {
        Slot& sl = slots_[from & (kWindow - 1)];
        if (sl.cycle != from) {
          sl.cycle = from;
          sl.used = 1;
          return from;
        }
        if (sl.used < per_cycle_) {
          ++sl.used;
          return from;
        }
      }
    }
   private:
    static constexpr uint32_t kWindow = 1u << 12;
    struct Slot {
      uint64_t cycle = ~0ull;
      uint64_t used = 0;
    };
    uint32_t per_cycle_ = 1;
    std::vector<Slot> slots_;
  };
  // Slots of an in-order stage (fetch, dispatch, retire): `width` per cycle, taken in cycles
  // that never go back.
  struct InOrderSlots {
    uint64_t cycle = 0;
    uint32_t used = 0, width = 1;
    // `n` slots, the first no earlier than `from`; the cycle of the last one.
    PVLAB_INLINE uint64_t take(uint64_t from, uint32_t n) {
      if (from > cycle) {
        cycle = from;
        used = 0;
      }
      used += n;
      if (used > width) {
        do {
          used -= width;
          ++cycle;
        } while (PVLAB_UNLIKELY(used > width));
      }
      return cycle;
    }
  };

  // Stores still being written, by 4-byte word: when their data is there. A direct-mapped
  // table: an older store to another word in the same slot is forgotten.
  struct StoreRec {
    uint64_t word = ~0ull;
    uint64_t ready = 0;
  };
  static constexpr size_t kStores = 256;
  StoreRec stores_[kStores];
  PVLAB_INLINE uint64_t store_ready(uint64_t addr) const {
    const StoreRec& r = stores_[(addr >> 2) & (kStores - 1)];
    return r.word == (addr >> 2) ? r.ready : 0;
  }
  PVLAB_INLINE void note_store(uint64_t addr, uint64_t ready) {
    stores_[(addr >> 2) & (kStores - 1)] = {addr >> 2, ready};
  }

  // Why the instruction being scheduled was late, per cause. comp_mask_ names the nonzero
  // entries by their place in the order a slow retirement's cycles are charged in
  // (kRanks in ooo.cpp), so charging walks its bits upwards.
  PVLAB_INLINE void note(CpiCause c, uint64_t cycles);
  uint64_t comp_[size_t(CpiCause::kCount)] = {};
  uint32_t comp_mask_ = 0;

  // The parts of a retirement that most instructions skip, out of the common path: a shape
  // worked out anew (then the retirement) and a fetch from a new L1I line (the start cycle
  // after it); exec_unit() below too.
  [[gnu::noinline]] void reshape(Cpu& cpu, const Insn& insn, uint32_t eip, InsnShape& sh, uint64_t gen);
  // The retirement of an instruction of shape `sh`, compiled once per kind of instruction
  // (kKind 0: no memory access; 1: loads or stores of its memory operand only; 2: a stack
  // access, with or without those) so that each leaves out what its kind never does.
  template <unsigned kKind>
  void retire_as(Cpu& cpu, const Insn& insn, uint32_t eip, const InsnShape& sh);
  // retire_as() for the kind of `sh`.
  PVLAB_INLINE void retire_by_kind(Cpu& cpu, const Insn& insn, uint32_t eip, const InsnShape& sh);
  // What happened since the last retirement besides the instruction: cycles outside
  // instructions (of which the hypervisor's), page-walk cycles, TLB misses. catch_up() takes
  // them in (and an exception or interrupt's change of EIP) when there were any.
  struct Interlude {
    uint64_t outside = 0, hv = 0, walk = 0;
    bool itlb_miss = false, dtlb_miss = false;
  };
  [[gnu::noinline]] void catch_up(Cpu& cpu, const Insn& insn, uint32_t eip, Interlude& in);
  // A micro-op ready at `ready` issued to a unit of `t`: its issue cycle.
  PVLAB_INLINE uint64_t on_port(SlotTable& t, uint64_t ready);
  // The execution of an instruction of class Mul, Div, String or Serial ready at `ready`:
  // its latency, and in `at` its issue cycle.
  [[gnu::noinline]] uint64_t exec_unit(Cpu& cpu, const Insn& insn, ExecClass cls, uint64_t ready, uint32_t user, uint64_t& at);
  [[gnu::noinline]] uint64_t fetch_line(Cpu& cpu, uint32_t lin, uint32_t user, uint64_t ft);

  InOrderSlots fetch_slots_, dispatch_slots_, retire_slots_;
  SlotTable alu_, mul_, branch_, load_, store_;
  std::vector<uint64_t> div_free_;   // cycle each divider is free again
  WindowHistory rob_, rs_, lq_, sq_;

  uint64_t reg_ready_[9] = {};      // cycle each GPR (0-7) and the flags (8) are ready
  uint64_t fetch_line_ = ~0ull;     // the L1I line fetched last
  uint64_t fetch_ready_ = 0;        // earliest cycle the next instruction can be fetched
  uint64_t fetch_delay_ = 0;        // cycles fetch_ready_ was pushed past the next cycle
  CpiCause fetch_cause_ = CpiCause::Base;  // and why
  uint64_t last_dispatch_ = 0;
  uint64_t last_retire_ = 0;        // retire cycle of the last instruction
  uint64_t last_complete_ = 0;      // latest completion of anything in flight
  uint64_t last_written_ = 0;       // what the hook last wrote to CpuState::cycles
  uint64_t walk_cycles_ = 0, walk_seen_ = 0;
  uint64_t seen_sum_ = 0;           // walk_seen_ + itlb_seen_ + dtlb_seen_
};

}  // namespace pvlab
