#include "cpu/timing/pipeline.h"

#include <Zydis/Zydis.h>

#include <algorithm>
#include <cstring>

namespace pvlab {

namespace {

uint64_t pow2_at_least(uint64_t n) {
  uint64_t p = 1;
  while (p < n) p <<= 1;
  return p;
}

}  // namespace

PipelineModel::PipelineModel(const TimingConfig& cfg)
    : EngineCommon(cfg) {
  fq_cap_ = 2 * cfg.fetch_width;
  insts_.resize(pow2_at_least(uint64_t(cfg.rob_size) + fq_cap_ + 4));
  inst_mask_ = insts_.size() - 1;
  uops_.resize(pow2_at_least(4 * (uint64_t(cfg.rob_size) + 4)));
  uop_mask_ = uops_.size() - 1;
  rs_.reserve(uops_.size());
  sq_ids_.reserve(uops_.size());
  for (uint64_t& p : producer_) p = kNone;
  div_free_.assign(cfg.div_units, 0);
  unit_count_[kAlu] = cfg.alu_units;
  unit_count_[kMul] = cfg.mul_units;
  unit_count_[kDiv] = cfg.div_units;
  unit_count_[kBranch] = cfg.branch_units;
  unit_count_[kLoad] = cfg.load_units;
  unit_count_[kStore] = cfg.store_units;
  unit_count_[kNoUnit] = ~0u;
}

void PipelineModel::start(uint64_t cycle) {
  now_ = cycle;
  fetch_resume_ = cycle;
  fetch_used_ = 0;
}

void PipelineModel::attach(Cpu& cpu) {
  start(cpu.s.cycles);
  last_written_ = cpu.s.cycles;
  hook_on(cpu, &walk_total_);
}

void PipelineModel::set_pipeview(std::FILE* f) {
  pipeview_ = f;
  if (f)
    std::fprintf(f, "# one line per retired instruction: sequence, EIP, mnemonic, then the cycle it was\n"
                    "# fetched, dispatched into the window, first issued, completed and retired\n"
                    "#   seq eip      mnemonic          fetch   dispatch      issue   complete     retire\n");
}

void PipelineModel::pipeview_line(const Inst& in, uint64_t seq) {
  const char* name = ZydisMnemonicGetString(ZydisMnemonic(in.in.mnemonic));
  std::fprintf(pipeview_, "%7llu %08x %-12s %10llu %10llu %10lld %10llu %10llu\n", (unsigned long long)seq,
               in.in.eip, name ? name : "?", (unsigned long long)in.fetch, (unsigned long long)in.dispatch,
               in.issue == kNever ? -1LL : (long long)in.issue, (unsigned long long)in.complete,
               (unsigned long long)in.retire);
}


// ---- the front end --------------------------------------------------------------------------

bool PipelineModel::try_fetch(Inst& in) {
  if (blocked_ != kNone) {
    const Inst& b = inst(blocked_);
    if (blocked_ >= disp_ || b.pending) return false;   // not dispatched / issued yet
    const bool mis = b.in.branch && b.in.pred == Prediction::Mispredict;
    const uint64_t resume = mis ? b.complete + cfg_.mispredict_penalty - (cfg_.mispredict_penalty ? 1 : 0) : b.complete;
    fetch_resume_ = std::max(fetch_resume_, resume);
    blocked_ = kNone;
  }
  if (now_ < fetch_resume_ || fetch_used_ >= cfg_.fetch_width || tail_ - disp_ >= fq_cap_) return false;
  if (!in.line_checked) {
    in.line_checked = true;
    uint64_t delay = 0;
    if ((in.in.fetch_line >> l1i_.line_shift()) != fetch_line_) {
      fetch_line_ = in.in.fetch_line >> l1i_.line_shift();
      if (l1i_.access(in.in.fetch_pa)) {
        ++st_.l1i_hits;
      } else {
        ++st_.l1i_misses;
        uint32_t lat = cfg_.l2.latency;
        if (!l2_.access(in.in.fetch_pa)) {   // to memory when an L2 miss register is free
          const uint64_t start = l2_mshr_.free_at(now_);
          lat = uint32_t(start - now_) + cfg_.mem_latency;
          l2_mshr_.take(in.in.fetch_pa >> l2_.line_shift(), start + cfg_.mem_latency, uint8_t(CpiCause::ICache));
        }
        if (lat > cfg_.l1i.latency) {
          delay += lat - cfg_.l1i.latency;
          stall_cause_ = CpiCause::ICache;
        }
      }
    }
    if (in.in.fetch_walk) {
      delay += in.in.fetch_walk;
      stall_cause_ = CpiCause::Tlb;
    }
    if (delay) {
      fetch_resume_ = now_ + delay;
      return false;
    }
  }
  // Taken.
  in.fetch = now_;
  in.fe_cause = stall_cause_;
  stall_cause_ = CpiCause::Base;
  ++fetch_used_;
  const uint64_t seq = tail_++;
  if (in.in.cls == ExecClass::Serial) {
    blocked_ = seq;
    stall_cause_ = CpiCause::Serialize;
  } else if (in.in.branch) {
    if (in.in.pred == Prediction::Mispredict) {
      blocked_ = seq;
      stall_cause_ = CpiCause::Branch;
    } else if (in.in.pred == Prediction::BtbMiss && cfg_.btb_miss_penalty) {
      fetch_resume_ = now_ + 1 + cfg_.btb_miss_penalty;
      stall_cause_ = CpiCause::Btb;
    } else if (in.in.taken) {
      fetch_resume_ = now_ + 1;   // a taken branch ends the fetch group
    }
  }
  return true;
}

void PipelineModel::feed(const PipeInsn& p) {
  Inst& in = inst(tail_);
  in = Inst{};
  in.in = p;
  bool idle = false;
  while (!try_fetch(in)) {
    if (idle) skip_idle();
    step();
    idle = !(retired_now_ | dispatched_now_ | issued_now_);
  }
  // A serialising instruction is done before anything younger starts: the clock the next
  // instruction sees (RDTSC, device timers) is the one after it.
  if (p.cls == ExecClass::Serial) drain();
}

void PipelineModel::drain() {
  bool idle = false;
  while (head_ != tail_) {
    if (idle) skip_idle();
    step();
    idle = !(retired_now_ | dispatched_now_ | issued_now_);
  }
}

// The cycle just closed moved nothing (no retirement, dispatch or issue, and fetch failed):
// the stages compare the clock only with the times the state holds (results' arrival,
// dividers free, fetch's resume), so every cycle before the next of those times would do
// the same nothing and be charged the same way. They are charged at once and skipped, which
// keeps every figure exact. Not with a cycle observer (it sees every cycle).
void PipelineModel::skip_idle() {
  if (observer_) return;
  uint64_t next = kNever;
  if (fetch_resume_ > now_) next = fetch_resume_;
  for (uint64_t id = uop_head_; id != uop_tail_; ++id) {
    const uint64_t d = uop(id).done;
    if (d != kNever && d > now_ && d < next) next = d;
  }
  for (uint64_t d : div_free_)
    if (d > now_ && d < next) next = d;
  if (next == kNever || next <= now_ + 1) return;
  const uint64_t n = next - now_ - 1;
  charge_cycle(n);
  now_ += n;
}

// ---- a cycle --------------------------------------------------------------------------------

void PipelineModel::step() {
  charge_cycle();
  ++now_;
  fetch_used_ = 0;
  retired_now_ = dispatched_now_ = issued_now_ = 0;
  retire_stage();
  dispatch_stage();
  issue_stage();
}

void PipelineModel::retire_stage() {
  uint32_t used = 0;
  while (head_ != disp_) {
    Inst& in = inst(head_);
    if (in.pending || in.complete > now_) break;
    if (used && used + in.in.uops > cfg_.retire_width) break;
    used += in.in.uops;
    in.retire = now_;
    rob_count_ -= in.in.uops;
    if (in.in.nloads) --lq_count_;
    if (in.in.nstores) {
      --sq_count_;
      sq_ids_.erase(sq_ids_.begin());
    }
    uop_head_ = in.first_uop + in.nuops;
    if (pipeview_) pipeview_line(in, head_);
    ++head_;
  }
  retired_now_ = used;
}

// Make the micro-ops of `in` and point its sources at their producers.
void PipelineModel::rename(Inst& in, uint64_t seq) {
  const PipeInsn& p = in.in;
  in.first_uop = uop_tail_;
  const auto make = [&](Unit unit, uint32_t lat, bool counted) -> uint64_t {
    const uint64_t id = uop_tail_++;
    Uop& u = uop(id);
    u = Uop{};
    u.unit = unit;
    u.lat = lat;
    u.inst = seq;
    u.counted = counted;
    ++in.nuops;
    ++in.pending;
    if (counted) ++rs_count_;
    rs_.push_back(id);
    return id;
  };
  const auto add_src = [&](uint64_t id, uint64_t from) {
    if (from == kNone) return;
    Uop& u = uop(id);
    for (unsigned k = 0; k < u.nsrc; ++k)
      if (u.src[k] == from) return;
    u.src[u.nsrc++] = from;
  };
  const auto add_regs = [&](uint64_t id, uint32_t mask) {
    for (uint32_t m = mask; m; m &= m - 1) add_src(id, producer_[__builtin_ctz(m)]);
  };
  uint64_t load = kNone, exec = kNone, store = kNone;
  if (p.nloads) {
    load = make(kLoad, 0, true);
    uop(load).load = true;
    add_regs(load, p.addr_regs);
  }
  if (p.exec) {
    Unit unit = kAlu;
    uint32_t lat = cfg_.alu_latency;
    switch (p.cls) {
      case ExecClass::Mul: unit = kMul, lat = cfg_.mul_latency; break;
      case ExecClass::Div: unit = kDiv, lat = cfg_.div_latency; break;
      case ExecClass::Branch: unit = kBranch, lat = 1; break;
      case ExecClass::String: unit = kLoad, lat = std::max<uint32_t>(1, p.exec_latency); break;
      case ExecClass::Serial: unit = kNoUnit, lat = p.exec_latency; break;
      default: break;
    }
    exec = make(unit, lat, true);
    Uop& u = uop(exec);
    u.run_cause = p.cls == ExecClass::Mul || p.cls == ExecClass::Div || p.cls == ExecClass::String ? CpiCause::Exec
              : p.cls == ExecClass::Serial ? CpiCause::Serialize : CpiCause::Base;
    add_regs(exec, p.src & 0x1ff);
    add_src(exec, load);
  }
  if (p.nstores) {
    store = make(kStore, 1, true);
    uop(store).store = true;
    add_regs(store, p.addr_regs);
    if (exec != kNone) add_src(store, exec);
    else if (load != kNone) add_src(store, load);
    else add_regs(store, p.src & 0x1ff);
    sq_ids_.push_back(store);
  }
  if (!in.nuops) make(kNoUnit, 1, true);   // a NOP still passes through the window
  uint32_t dst = p.dst;
  if (p.stack) {
    // The stack pointer moves by an adder of its own, independent of the access.
    const uint64_t agen = make(kNoUnit, cfg_.alu_latency, false);
    add_src(agen, producer_[ESP]);
    producer_[ESP] = agen;
    dst &= ~(1u << ESP);
  }
  const uint64_t result = exec != kNone ? exec : load != kNone ? load : in.first_uop;
  for (uint32_t m = dst & 0x1ff; m; m &= m - 1) producer_[__builtin_ctz(m)] = result;
}

void PipelineModel::dispatch_stage() {
  uint32_t used = 0;
  while (disp_ != tail_) {
    Inst& in = inst(disp_);
    if (in.fetch >= now_) break;   // decoded the cycle after its fetch
    const PipeInsn& p = in.in;
    const bool rob_empty = head_ == disp_;
    if (p.cls == ExecClass::Serial && !rob_empty) break;
    if (!rob_empty && rob_count_ + p.uops > cfg_.rob_size) break;
    if (rs_count_ && rs_count_ + p.uops > cfg_.rs_size) break;
    if (p.nloads && lq_count_ && lq_count_ + 1 > cfg_.lq_size) break;
    if (p.nstores && sq_count_ && sq_count_ + 1 > cfg_.sq_size) break;
    if (used && used + p.uops > cfg_.issue_width) break;
    used += p.uops;
    rob_count_ += p.uops;
    lq_count_ += p.nloads ? 1 : 0;
    sq_count_ += p.nstores ? 1 : 0;
    in.dispatch = now_;
    rename(in, disp_);
    ++disp_;
  }
  dispatched_now_ = used;
}

// Issue micro-op `u` now if it can go: sources ready, a unit free, and for a load the data
// of any older store to the same word.
bool PipelineModel::issue_one(Uop& u, uint64_t id) {
  for (unsigned k = 0; k < u.nsrc; ++k)
    if (!ready(u.src[k])) {
      u.cause = CpiCause::Base;   // waiting for an operand
      return false;
    }
  if (unit_used_[u.unit] >= unit_count_[u.unit]) {
    u.cause = CpiCause::Port;
    return false;
  }
  uint64_t* div = nullptr;
  if (u.unit == kDiv) {
    div = &*std::min_element(div_free_.begin(), div_free_.end());
    if (*div > now_) {
      u.cause = CpiCause::Port;
      return false;
    }
  }
  Inst& in = inst(u.inst);
  const PipeInsn& p = in.in;
  uint64_t done = now_ + u.lat;
  if (u.load) {
    // The youngest older store in flight writing a word this load reads.
    uint64_t fwd = 0;
    bool found = false;
    for (size_t k = sq_ids_.size(); k-- > 0 && !found;) {
      const uint64_t sid = sq_ids_[k];
      if (sid > id) continue;
      const Inst& si = inst(uop(sid).inst);
      for (unsigned a = 0; a < p.nloads && !found; ++a)
        for (unsigned b = 0; b < si.in.nstores; ++b)
          if ((p.load_addr[a] >> 2) == (si.in.store_addr[b] >> 2)) {
            found = true;
            break;
          }
      if (found) {
        const Uop& s = uop(sid);
        if (s.done == kNever) {
          u.cause = CpiCause::StoreForward;
          return false;   // its data is not there yet
        }
        fwd = s.done;
      }
    }
    CpiCause level = CpiCause::DCacheL1;
    uint32_t lat = 0;
    pc_ = uint32_t(p.fetch_line);
    for (unsigned a = 0; a < p.nloads; ++a) {
      CpiCause l;
      const uint32_t x = data_access(p.load_addr[a], now_, l);
      if (x >= lat) lat = x, level = l;
    }
    u.cause = level;
    if (p.load_walk) {
      lat += p.load_walk;
      u.cause = CpiCause::Tlb;
    }
    done = now_ + lat;
    if (found && fwd + cfg_.l1d.latency > done) {
      done = fwd + cfg_.l1d.latency;
      u.cause = CpiCause::StoreForward;
      ++st_.forwarded;
    }
  } else {
    u.cause = u.run_cause;
  }
  if (u.store)
    for (unsigned b = 0; b < p.nstores; ++b) store_access(p.store_addr[b]);   // write-allocate
  if (div) *div = now_ + u.lat;
  ++unit_used_[u.unit];
  u.done = done;
  if (u.counted) --rs_count_;
  if (in.issue == kNever) in.issue = now_;
  in.complete = std::max(in.complete, done);
  --in.pending;
  ++issued_now_;
  return true;
}

void PipelineModel::issue_stage() {
  std::memset(unit_used_, 0, sizeof unit_used_);
  size_t keep = 0;
  for (size_t k = 0; k < rs_.size(); ++k) {
    const uint64_t id = rs_[k];
    if (!issue_one(uop(id), id)) rs_[keep++] = id;
  }
  rs_.resize(keep);
}

// The open cycle goes to one CPI entry: base when something retired in it, else what keeps
// the head of the reorder buffer from retiring, else (empty) what held up the front end.
void PipelineModel::charge_cycle(uint64_t n) {
  CpiCause c = CpiCause::Base;
  int32_t func = -1;
  if (head_ != disp_) {
    const Inst& in = inst(head_);
    func = in.in.func;
    if (!retired_now_) {
      for (uint8_t k = 0; k < in.nuops; ++k) {
        const Uop& u = uop(in.first_uop + k);
        if (u.done > now_) {
          c = u.cause;
          break;
        }
      }
    }
  } else if (disp_ != tail_) {
    const Inst& in = inst(disp_);
    func = in.in.func;
    if (!retired_now_) c = in.fe_cause;
  } else if (!retired_now_) {
    c = blocked_ != kNone || now_ < fetch_resume_ ? stall_cause_ : CpiCause::Base;
    func = inst(tail_).in.func;
  }
  st_.cpi[size_t(c)] += n;
  if (funcs_) fn_[size_t(func + 1)].cpi[size_t(c)] += n;
  if (observer_) {
    Occupancy o;
    o.rob = rob_count_;
    o.rs = rs_count_;
    o.lq = lq_count_;
    o.sq = sq_count_;
    o.fetchq = uint32_t(tail_ - disp_);
    o.retired = retired_now_;
    o.dispatched = dispatched_now_;
    o.issued = issued_now_;
    o.charged = c;
    observer_(now_, o);
  }
}

// ---- the retire hook ------------------------------------------------------------------------

void PipelineModel::retired(Cpu& cpu, const Insn& insn, uint32_t eip) {
  CpuState& s = cpu.s;
  // Time that passed outside instructions (idle HLT, event delivery, the hypervisor): the
  // window drains, then the clock moves on by that much.
  const uint64_t observed = s.cycles;
  if (observed > last_written_ + insn.cost || eip != expect_eip_) {
    drain();
    fetch_resume_ = std::max(fetch_resume_, now_);
    if (eip != expect_eip_) std::memcpy(pre_, s.r, sizeof pre_);
  }
  uint64_t outside = 0, hv = 0;
  if (observed > last_written_ + insn.cost) {
    outside = observed - last_written_ - insn.cost;
    hv = std::min(outside, hv_pending_);
    st_.cpi[size_t(CpiCause::Hypervisor)] += hv;
    st_.cpi[size_t(CpiCause::Other)] += outside - hv;
    now_ += outside;
    fetch_resume_ = std::max(fetch_resume_, now_);
  }
  hv_pending_ = 0;
  const uint64_t walk = walk_total_ - walk_seen_;
  walk_seen_ = walk_total_;
  st_.walk_cycles += walk;
  bool itlb_miss, dtlb_miss;
  take_tlb_misses(cpu, itlb_miss, dtlb_miss);

  InsnShape& sh = shapes_[(reinterpret_cast<uintptr_t>(&insn) >> 4) & (shapes_.size() - 1)];
  const uint64_t gen = cpu.blocks().generation();
  if (PVLAB_UNLIKELY(sh.key != &insn || sh.gen != gen || gen != shape_gen_)) make_shape(cpu, insn, eip, sh, gen);
  if (funcs_ && outside) {   // time outside goes to the function the instruction after it is in
    fn_[size_t(sh.func + 1)].cpi[size_t(CpiCause::Hypervisor)] += hv;
    fn_[size_t(sh.func + 1)].cpi[size_t(CpiCause::Other)] += outside - hv;
  }

  PipeInsn p;
  p.src = sh.src;
  p.dst = sh.dst;
  p.addr_regs = sh.addr_regs;
  p.cls = sh.cls;
  p.exec = sh.exec;
  p.uops = sh.uops;
  p.func = sh.func;
  p.eip = eip;
  p.mnemonic = insn.mnemonic;
  const uint32_t user = s.cpl == 3 ? unsigned(kUser) : 0u;
  if (sh.load || sh.store) {
    const uint32_t lin = operand_linear(s, insn);
    if (sh.load) p.load_addr[p.nloads++] = phys_of(cpu, lin, user);
    if (sh.store) p.store_addr[p.nstores++] = phys_of(cpu, lin, user | kWrite);
  }
  if (sh.stack != StackAccess::None) {
    p.stack = true;
    const bool push = sh.stack == StackAccess::Push;
    const uint32_t lin = stack_linear(s, insn, sh.leave, push);
    const uint64_t pa = phys_of(cpu, lin, user | (push ? unsigned(kWrite) : 0u));
    if (push) p.store_addr[p.nstores++] = pa;
    else p.load_addr[p.nloads++] = pa;
    if (sh.leave) p.dst |= 1u << EBP;
  }
  st_.loads += p.nloads ? 1 : 0;
  st_.stores += p.nstores ? 1 : 0;
  const uint32_t fetch_lin = s.seg[CS].base + eip;
  p.fetch_line = fetch_lin;
  p.fetch_pa = phys_of(cpu, fetch_lin, kFetch | user);
  if (itlb_miss) p.fetch_walk = uint32_t(walk);
  else if (dtlb_miss && p.nloads) p.load_walk = uint32_t(walk);
  if (sh.br != BranchKind::None) {
    p.branch = true;
    p.taken = s.eip != eip + insn.len;
    p.pred = bp_.resolve(sh.br, s.seg[CS].base + eip, insn.len, s.seg[CS].base + s.eip);
  }
  if (sh.cls == ExecClass::Serial) {
    p.exec_latency = insn.cost + cfg_.serialize_latency;
    ++st_.serializing;
  } else if (sh.cls == ExecClass::String) {
    // One element per cycle, plus what each line of the source and destination ranges costs
    // beyond an L1D hit (worked out now: the ranges are known only here).
    pc_ = s.seg[CS].base + eip;
    uint32_t elements;
    const uint64_t lat = string_latency(cpu, insn, user, now_, [](CpiCause, uint64_t) {}, elements);
    p.exec_latency = uint32_t(lat);
  }

  const uint64_t seen = last_written_;
  const bool tsc = insn.mnemonic == ZYDIS_MNEMONIC_RDTSC && observed == seen + insn.cost;
  feed(p);
  if (tsc) {
    // The functional core read the clock at the fetch of the instruction before; the engine
    // executes RDTSC only once the window has drained, and that is the time it returns.
    const Inst& r = inst(tail_ - 1);
    if (r.issue != kNever && r.issue > seen) {
      const uint64_t v = ((uint64_t(s.r[EDX]) << 32) | s.r[EAX]) + (r.issue - seen);
      s.r[EAX] = uint32_t(v);
      s.r[EDX] = uint32_t(v >> 32);
    }
  }
  ++st_.insns;
  st_.uops += p.uops;
  if (funcs_) ++fn_[size_t(p.func + 1)].insns;
  std::memcpy(pre_, s.r, sizeof pre_);
  expect_eip_ = s.eip;
  s.cycles = now_;
  last_written_ = now_;
}

}  // namespace pvlab
