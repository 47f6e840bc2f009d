#include "cpu/timing/ooo.h"

#include <Zydis/Zydis.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <iterator>

namespace pvlab {

namespace {

// The cycle at which every register in `mask` is ready.
PVLAB_INLINE uint64_t ready_of(const uint64_t* ready, uint32_t mask) {
  uint64_t t = 0;
  while (mask) {
    const unsigned b = unsigned(__builtin_ctz(mask));
    mask &= mask - 1;
    t = std::max(t, ready[b]);
  }
  return t;
}


// The order in which the cycles of a slow retirement are charged to what made it slow.
constexpr CpiCause kChargeOrder[] = {
    CpiCause::Branch, CpiCause::Btb,      CpiCause::ICache,    CpiCause::Tlb,
    CpiCause::DCacheMem, CpiCause::DCacheL2, CpiCause::DCacheL1, CpiCause::Exec,
    CpiCause::StoreForward, CpiCause::Serialize, CpiCause::Rob, CpiCause::Rs,
    CpiCause::Lsq, CpiCause::Port,
};
constexpr unsigned kCharged = std::size(kChargeOrder);

// Each cause's bit in OooModel::comp_mask_: its place in kChargeOrder, and past those the
// causes never charged that way (their comp_ entries are only cleared).
struct ChargeRanks {
  uint8_t rank[size_t(CpiCause::kCount)] = {};
  CpiCause cause[32] = {};
  constexpr ChargeRanks() {
    unsigned next = kCharged;
    for (unsigned c = 0; c < unsigned(CpiCause::kCount); ++c) {
      unsigned r = next;
      for (unsigned k = 0; k < kCharged; ++k)
        if (kChargeOrder[k] == CpiCause(c)) r = k;
      if (r == next) ++next;
      rank[c] = uint8_t(r);
      cause[r] = CpiCause(c);
    }
  }
};
constexpr ChargeRanks kRanks;
static_assert(size_t(CpiCause::kCount) <= 32, "comp_mask_ holds a bit per cause");

}  // namespace

PVLAB_INLINE void OooModel::note(CpiCause c, uint64_t cycles) {
  comp_[size_t(c)] += cycles;
  comp_mask_ |= 1u << kRanks.rank[size_t(c)];
}

PVLAB_INLINE uint64_t OooModel::on_port(SlotTable& t, uint64_t ready) {
  const uint64_t at = t.take(ready);
  if (at > ready) note(CpiCause::Port, at - ready);
  rs_.push(at);
  return at;
}


void OooModel::SlotTable::init(uint32_t per_cycle) {
  per_cycle_ = per_cycle;
  slots_.assign(kWindow, Slot{});
}

OooModel::OooModel(const TimingConfig& cfg)
    : EngineCommon(cfg) {
  fetch_slots_.width = cfg.fetch_width;
  dispatch_slots_.width = cfg.issue_width;
  retire_slots_.width = cfg.retire_width;
  alu_.init(cfg.alu_units);
  mul_.init(cfg.mul_units);
  branch_.init(cfg.branch_units);
  load_.init(cfg.load_units);
  store_.init(cfg.store_units);
  div_free_.assign(cfg.div_units, 0);
  rob_.init(cfg.rob_size);
  rs_.init(cfg.rs_size);
  lq_.init(cfg.lq_size);
  sq_.init(cfg.sq_size);
}

void OooModel::attach(Cpu& cpu) {
  const uint64_t now = cpu.s.cycles;
  last_written_ = last_retire_ = last_dispatch_ = last_complete_ = fetch_ready_ = now;
  for (uint64_t& r : reg_ready_) r = now;
  hook_on(cpu, &walk_cycles_);
  seen_sum_ = walk_seen_ + itlb_seen_ + dtlb_seen_;
}

void OooModel::save_memory(StateWriter& w) const { mem_.save_regs(w); }

bool OooModel::load_memory(StateReader& r) { return mem_.load_regs(r); }


void OooModel::reshape(Cpu& cpu, const Insn& insn, uint32_t eip, InsnShape& sh, uint64_t gen) {
  make_shape(cpu, insn, eip, sh, gen);
  retire_by_kind(cpu, insn, eip, sh);
}

uint64_t OooModel::fetch_line(Cpu& cpu, uint32_t lin, uint32_t user, uint64_t ft) {
  // A new line (by linear address: a change of address space at the same linear line,
  // which kernels avoid, is not seen).
  TimingCache& l1i = mem_.l1i;
  fetch_line_ = lin >> l1i.line_shift();
  const uint64_t fetch_pa = phys_of(cpu, lin, kFetch | user);
  if (l1i.access(fetch_pa)) {
    ++st_.l1i_hits;
    return ft;
  }
  ++st_.l1i_misses;
  uint32_t lat = cfg_.l2.latency;
  if (!mem_.l2.access(fetch_pa)) {   // to memory when an L2 miss register is free
    const uint64_t start = mem_.l2_mshr.free_at(ft);
    lat = uint32_t(start - ft) + cfg_.mem_latency;
    mem_.l2_mshr.take(fetch_pa >> mem_.l2.line_shift(), start + cfg_.mem_latency, uint8_t(CpiCause::ICache));
  }
  if (lat > cfg_.l1i.latency) {
    ft += lat - cfg_.l1i.latency;
    note(CpiCause::ICache, lat - cfg_.l1i.latency);
  }
  return ft;
}

void OooModel::catch_up(Cpu& cpu, const Insn& insn, uint32_t eip, Interlude& in) {
  CpuState& s = cpu.s;
  // Time that passed outside instructions (idle HLT, event delivery) moves the core on.
  const uint64_t observed = s.cycles;
  if (observed > last_written_ + insn.cost) {
    in.outside = observed - last_written_ - insn.cost;
    in.hv = std::min(in.outside, hv_pending_);
    st_.cpi[size_t(CpiCause::Hypervisor)] += in.hv;
    st_.cpi[size_t(CpiCause::Other)] += in.outside - in.hv;
    last_retire_ += in.outside;
    fetch_ready_ = std::max(fetch_ready_, last_retire_);
  }
  // An exception or interrupt came in between: the core refetches at the handler after the
  // older instructions retired, and the registers seen before this one are those now.
  if (eip != expect_eip_) {
    fetch_ready_ = std::max(fetch_ready_, last_retire_);
    std::memcpy(pre_, s.r, sizeof pre_);
  }
  // Page walks and TLB misses since the last retirement.
  in.walk = walk_cycles_ - walk_seen_;
  walk_seen_ = walk_cycles_;
  st_.walk_cycles += in.walk;
  take_tlb_misses(cpu, in.itlb_miss, in.dtlb_miss);
  seen_sum_ = walk_seen_ + itlb_seen_ + dtlb_seen_;
}

uint64_t OooModel::exec_unit(Cpu& cpu, const Insn& insn, ExecClass cls, uint64_t ready, uint32_t user,
                             uint64_t& at) {
  uint64_t lat = 1;
  switch (cls) {
    case ExecClass::Mul:
      at = on_port(mul_, ready);
      lat = cfg_.mul_latency;
      note(CpiCause::Exec, lat - 1);
      break;
    case ExecClass::Div: {
      auto unit = std::min_element(div_free_.begin(), div_free_.end());
      at = std::max(ready, *unit);
      if (at > ready) note(CpiCause::Port, at - ready);
      rs_.push(at);
      lat = cfg_.div_latency;
      *unit = at + lat;
      note(CpiCause::Exec, lat - 1);
      break;
    }
    case ExecClass::String: {
      at = on_port(load_, ready);
      uint32_t n;
      lat = string_latency(cpu, insn, user, at, [this](CpiCause c, uint64_t x) { note(c, x); }, n);
      note(CpiCause::Exec, n - 1);
      break;
    }
    case ExecClass::Serial:
      at = ready;
      rs_.push(at);
      lat = insn.cost + cfg_.serialize_latency;
      note(CpiCause::Serialize, lat);
      ++st_.serializing;
      break;
    default:   // the classes retire_as() times itself
      at = on_port(alu_, ready);
      lat = cfg_.alu_latency;
      break;
  }
  return lat;
}

void OooModel::retired(Cpu& cpu, const Insn& insn, uint32_t eip) {
  // What the instruction does, worked out once per decoded instruction (reshape() also goes
  // on to retire_by_kind(), so that this common path calls nothing but the retirement).
  InsnShape& sh = shapes_[(reinterpret_cast<uintptr_t>(&insn) >> 4) & (kShapes - 1)];
  const uint64_t gen = cpu.blocks().generation();
  if (PVLAB_UNLIKELY(sh.key != &insn || sh.gen != gen || gen != shape_gen_))
    return reshape(cpu, insn, eip, sh, gen);
  retire_by_kind(cpu, insn, eip, sh);
}

PVLAB_INLINE void OooModel::retire_by_kind(Cpu& cpu, const Insn& insn, uint32_t eip, const InsnShape& sh) {
  const unsigned bits = sh.bits;
  if (bits & shapeb::STACK) retire_as<2>(cpu, insn, eip, sh);
  else if (bits & (shapeb::ANY_LOAD | shapeb::ANY_STORE)) retire_as<1>(cpu, insn, eip, sh);
  else retire_as<0>(cpu, insn, eip, sh);
}

template <unsigned kKind>
void OooModel::retire_as(Cpu& cpu, const Insn& insn, uint32_t eip, const InsnShape& sh) {
  CpuState& s = cpu.s;

  // Time outside instructions, an exception or interrupt, page walks, TLB misses: seen at
  // few retirements.
  uint64_t outside = 0, hv = 0, walk = 0;
  bool itlb_miss = false, dtlb_miss = false;
  // (One test of all the differences at once: the clock never runs behind what this model
  // wrote plus the instruction's own cost, and the walk and miss counters only grow, so their
  // sum moves whenever one of them does.)
  const uint64_t counters = walk_cycles_ + cpu.mmu().itlb().stats().misses + cpu.mmu().dtlb().stats().misses;
  if (PVLAB_UNLIKELY(((s.cycles - last_written_ - insn.cost) | (eip ^ expect_eip_) | (counters - seen_sum_)) != 0)) {
    Interlude in;
    catch_up(cpu, insn, eip, in);
    outside = in.outside, hv = in.hv, walk = in.walk;
    itlb_miss = in.itlb_miss, dtlb_miss = in.dtlb_miss;
  }
  hv_pending_ = 0;

  // What the kind rules out is known to the compiler.
  constexpr unsigned kNever = kKind == 0   ? unsigned(shapeb::ANY_LOAD | shapeb::ANY_STORE | shapeb::LEAVE)
                              : kKind == 1 ? unsigned(shapeb::STACK | shapeb::LEAVE)
                                           : 0u;
  const unsigned bits = sh.bits & ~kNever;
  const unsigned uops = sh.uops;
  const uint32_t user = s.cpl == 3 ? unsigned(kUser) : 0u;
  const uint32_t cs_base = s.seg[CS].base;
  const uint32_t pc = cs_base + eip;
  pc_ = pc;
  // Data addresses, recomputed from the registers as they were before the instruction.
  uint64_t load_pa = 0, store_pa = 0;
  if (bits & (shapeb::LOAD | shapeb::STORE)) {
    const uint32_t lin = operand_linear(s, insn);
    if (bits & shapeb::LOAD) load_pa = phys_of(cpu, lin, user);
    if (bits & shapeb::STORE) store_pa = phys_of(cpu, lin, user | kWrite);
  }
  const bool any_load = bits & shapeb::ANY_LOAD, any_store = bits & shapeb::ANY_STORE;
  // The address of a stack access; loads and stores of the instruction's memory operand.
  uint64_t stack_pa = 0;
  if (bits & shapeb::STACK) {
    const uint32_t lin = stack_linear(s, insn, bits & shapeb::LEAVE, bits & shapeb::PUSH);
    stack_pa = phys_of(cpu, lin, user | ((bits & shapeb::PUSH) ? unsigned(kWrite) : 0u));
  }
  const uint64_t first_load = (bits & shapeb::POP) ? stack_pa : load_pa;
  const uint64_t first_store = (bits & shapeb::PUSH) ? stack_pa : store_pa;

  // ---- fetch ------------------------------------------------------------------------------
  uint64_t ft = fetch_ready_;
  if (fetch_delay_) {
    note(fetch_cause_, fetch_delay_);
    fetch_delay_ = 0;
  }
  if ((pc >> mem_.l1i.line_shift()) != fetch_line_) ft = fetch_line(cpu, pc, user, ft);
  uint64_t walk_load = 0;
  if (itlb_miss) {
    ft += walk;
    note(CpiCause::Tlb, walk);
  } else {
    walk_load = walk;
  }
  ft = fetch_slots_.take(ft, 1);
  fetch_ready_ = ft;

  // ---- dispatch into the window -----------------------------------------------------------
  uint64_t d = std::max(ft + 1, last_dispatch_);
  const auto bump = [&](uint64_t t, CpiCause c) {
    if (t > d) {
      note(c, t - d);
      d = t;
    }
  };
  bump(rob_.oldest(), CpiCause::Rob);
  bump(rs_.oldest(), CpiCause::Rs);
  if (any_load) bump(lq_.oldest(), CpiCause::Lsq);
  if (any_store) bump(sq_.oldest(), CpiCause::Lsq);
  if (bits & shapeb::SERIAL) bump(last_complete_, CpiCause::Serialize);
  d = dispatch_slots_.take(d, uops);
  last_dispatch_ = d;

  // ---- execute ----------------------------------------------------------------------------
  const uint64_t addr_ready = std::max(d, ready_of(reg_ready_, sh.addr_regs));
  uint64_t complete = d + 1;
  uint64_t load_done = 0;
  if (any_load) {
    ++st_.loads;
    const uint64_t at = on_port(load_, addr_ready);
    CpiCause level;
    uint32_t lat = data_access(first_load, at, level);
    const bool both = (bits & shapeb::LOAD) && (bits & shapeb::POP);
    if (PVLAB_UNLIKELY(both)) {
      CpiCause other;
      const uint32_t l2 = data_access(load_pa, at, other);
      if (l2 > lat) lat = l2, level = other;
    }
    note(level, lat - 1);
    if (dtlb_miss) {
      lat += uint32_t(walk_load);
      note(CpiCause::Tlb, walk_load);
    }
    load_done = at + lat;
    // A load of a word an older store is still writing takes the store's data (forwarded
    // with the L1 latency) once it exists.
    uint64_t fwd = store_ready(first_load);
    if (PVLAB_UNLIKELY(both)) fwd = std::max(fwd, store_ready(load_pa));
    if (fwd && fwd + cfg_.l1d.latency > load_done) {
      note(CpiCause::StoreForward, fwd + cfg_.l1d.latency - load_done);
      load_done = fwd + cfg_.l1d.latency;
      ++st_.forwarded;
    }
    complete = std::max(complete, load_done);
  }
  uint64_t result = std::max(d, load_done);   // when the instruction's result is ready
  const ExecClass cls = sh.cls;
  if (bits & shapeb::EXEC) {
    const uint64_t ready = std::max({d, ready_of(reg_ready_, sh.src), load_done});
    uint64_t at, lat = 1;
    if (PVLAB_LIKELY(cls == ExecClass::Alu || cls == ExecClass::None)) {
      at = on_port(alu_, ready);
      lat = cfg_.alu_latency;
    } else if (cls == ExecClass::Branch) {
      at = on_port(branch_, ready);
    } else {
      lat = exec_unit(cpu, insn, cls, ready, user, at);
    }
    result = at + lat;
    complete = std::max(complete, result);
  }
  if (any_store) {
    ++st_.stores;
    const uint64_t ready = std::max(addr_ready, (bits & shapeb::PURE_MOVE) ? ready_of(reg_ready_, sh.src) : result);
    const uint64_t at = on_port(store_, ready);
    store_access(first_store);   // write-allocate; no wait
    note_store(first_store, at + 1);
    if (PVLAB_UNLIKELY((bits & shapeb::STORE) && (bits & shapeb::PUSH))) {
      store_access(store_pa);
      note_store(store_pa, at + 1);
    }
    complete = std::max(complete, at + 1);
  }
  if (!(bits & (shapeb::EXEC | shapeb::ANY_LOAD | shapeb::ANY_STORE))) rs_.push(d);
  // Results: registers written are ready with the result; the stack pointer of PUSH / POP /
  // CALL / RET is updated by the address arithmetic, independent of the access (res_dst
  // leaves it out).
  if (bits & shapeb::STACK) reg_ready_[ESP] = std::max(reg_ready_[ESP], d) + cfg_.alu_latency;
  if (!(bits & shapeb::EXEC) && any_load) result = load_done;
  for (uint32_t m = sh.res_dst; m;) {
    const unsigned b = unsigned(__builtin_ctz(m));
    m &= m - 1;
    reg_ready_[b] = result;
  }
  last_complete_ = std::max(last_complete_, complete);

  // ---- branches ---------------------------------------------------------------------------
  const BranchKind br = sh.br;
  if (br != BranchKind::None) {
    const Prediction p = bp_.resolve(br, pc, insn.len, cs_base + s.eip);
    if (p == Prediction::Mispredict) {
      const uint64_t redirect = complete + cfg_.mispredict_penalty - 1;
      if (redirect > fetch_ready_ + 1) {
        fetch_delay_ = redirect - (fetch_ready_ + 1);
        fetch_cause_ = CpiCause::Branch;
      }
      fetch_ready_ = std::max(fetch_ready_ + 1, redirect);
    } else if (p == Prediction::BtbMiss && cfg_.btb_miss_penalty) {
      fetch_delay_ = cfg_.btb_miss_penalty;
      fetch_cause_ = CpiCause::Btb;
      fetch_ready_ += 1 + cfg_.btb_miss_penalty;
    } else if (s.eip != eip + insn.len) {
      fetch_ready_ += 1;   // a taken branch ends the fetch group
    }
  }
  if (bits & shapeb::SERIAL) fetch_ready_ = std::max(fetch_ready_, complete);

  // ---- retire -----------------------------------------------------------------------------
  uint64_t r = std::max(complete, last_retire_);
  r = retire_slots_.take(r, uops);
  rob_.push_n(r, uops);
  if (any_load) lq_.push(r);
  if (any_store) sq_.push(r);
  const uint64_t delta = r - last_retire_;
  uint64_t* frow = nullptr;
  if (FunctionStats* f = sh.fstats) {   // fn_ is not reallocated while shapes are kept
    ++f->insns;
    frow = f->cpi;
    if (PVLAB_UNLIKELY(outside)) {
      frow[size_t(CpiCause::Hypervisor)] += hv;
      frow[size_t(CpiCause::Other)] += outside - hv;
    }
  }
  // The first cycle is the retirement's own; the rest go to the causes noted, in the charge
  // order (and the notes are cleared on the way), and what they do not explain is base too.
  uint64_t rest = delta ? delta - 1 : 0;
  for (uint32_t m = comp_mask_; m; m &= m - 1) {
    const unsigned bit = unsigned(__builtin_ctz(m));
    const size_t c = size_t(kRanks.cause[bit]);
    const uint64_t take = bit < kCharged ? std::min(rest, comp_[c]) : 0;
    comp_[c] = 0;
    if (PVLAB_UNLIKELY(!take)) continue;
    st_.cpi[c] += take;
    if (frow) frow[c] += take;
    rest -= take;
  }
  comp_mask_ = 0;
  if (delta) {
    st_.cpi[size_t(CpiCause::Base)] += 1 + rest;
    if (frow) frow[size_t(CpiCause::Base)] += 1 + rest;
  }
  last_retire_ = r;
  ++st_.insns;
  st_.uops += uops;
  std::memcpy(pre_, s.r, sizeof pre_);
  expect_eip_ = s.eip;
  s.cycles = r;
  last_written_ = r;
}

}  // namespace pvlab
