#include "cpu/timing/ooo.h"

#include <Zydis/Zydis.h>

#include <algorithm>
#include <cstdio>
#include <cstring>

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

}  // namespace


void OooModel::SlotTable::init(uint32_t per_cycle) {
  per_cycle_ = per_cycle;
  slots_.assign(kWindow, Slot{});
}

void OooModel::History::init(uint32_t n) {
  v_.assign(n, 0);
  pos_ = 0;
}

OooModel::OooModel(const TimingConfig& cfg)
    : EngineCommon(cfg), bp_(cfg) {
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
}

void OooModel::save_memory(StateWriter& w) const { mem_.save_regs(w); }

bool OooModel::load_memory(StateReader& r) { return mem_.load_regs(r); }


void OooModel::retired(Cpu& cpu, const Insn& insn, uint32_t eip) {
  CpuState& s = cpu.s;

  // Time that passed outside instructions (idle HLT, event delivery) moves the core on.
  const uint64_t observed = s.cycles;
  uint64_t outside = 0, hv = 0;
  if (observed > last_written_ + insn.cost) {
    outside = observed - last_written_ - insn.cost;
    hv = std::min(outside, hv_pending_);
    st_.cpi[size_t(CpiCause::Hypervisor)] += hv;
    st_.cpi[size_t(CpiCause::Other)] += outside - hv;
    last_retire_ += outside;
    fetch_ready_ = std::max(fetch_ready_, last_retire_);
  }
  hv_pending_ = 0;
  // An exception or interrupt came in between: the core refetches at the handler after the
  // older instructions retired, and the registers seen before this one are those now.
  if (eip != expect_eip_) {
    fetch_ready_ = std::max(fetch_ready_, last_retire_);
    std::memcpy(pre_, s.r, sizeof pre_);
  }
  const uint64_t walk = walk_cycles_ - walk_seen_;
  walk_seen_ = walk_cycles_;
  st_.walk_cycles += walk;
  const uint64_t im = cpu.mmu().itlb().stats().misses, dm = cpu.mmu().dtlb().stats().misses;
  const bool itlb_miss = im != itlb_seen_, dtlb_miss = dm != dtlb_seen_;
  itlb_seen_ = im;
  dtlb_seen_ = dm;
  st_.itlb_misses += itlb_miss;
  st_.dtlb_misses += dtlb_miss;

  // ---- what the instruction does (worked out once per decoded instruction) ---------------
  InsnShape& sh = shapes_[(reinterpret_cast<uintptr_t>(&insn) >> 4) & (kShapes - 1)];
  const uint64_t gen = cpu.blocks().generation();
  if (PVLAB_UNLIKELY(sh.key != &insn || sh.gen != gen || gen != shape_gen_)) {
    shape_insn(insn, sh);
    sh.func = funcs_ ? funcs_->find(s.seg[CS].base + eip) : -1;
    // A block dropped since the last retirement (a write to its code) may be this one: its
    // Insns are freed and reused soon, so its shape is not kept.
    sh.key = gen == shape_gen_ ? &insn : nullptr;
    sh.gen = gen;
  }
  shape_gen_ = gen;
  const ExecClass cls = sh.cls;
  const BranchKind br = sh.br;
  const StackAccess stack = sh.stack;
  const bool load = sh.load, store = sh.store, pure_move = sh.pure_move, exec = sh.exec;
  const uint32_t src = sh.src, dst0 = sh.dst, addr_regs = sh.addr_regs;
  const unsigned uops = sh.uops;
  const uint32_t user = s.cpl == 3 ? unsigned(kUser) : 0u;
  pc_ = s.seg[CS].base + eip;
  // Data addresses, recomputed from the registers as they were before the instruction.
  uint64_t load_pa = 0, store_pa = 0, stack_pa = 0;
  if (load || store) {
    uint32_t a = insn.mem.disp;
    if (insn.mem.base != 0xff) a += pre_[insn.mem.base];
    if (insn.mem.index != 0xff) a += pre_[insn.mem.index] << insn.mem.scale;
    if (insn.asize == 2) a &= 0xffff;
    const uint32_t lin = s.seg[insn.mem.seg].base + a;
    if (load) load_pa = phys_of(cpu, lin, user);
    if (store) store_pa = phys_of(cpu, lin, user | kWrite);
  }
  if (stack != StackAccess::None) {
    uint32_t sp = sh.leave ? pre_[EBP] : pre_[ESP];
    if (stack == StackAccess::Push) sp -= insn.osize;
    const uint32_t lin = s.seg[SS].base + (s.seg[SS].big() ? sp : (sp & 0xffff));
    stack_pa = phys_of(cpu, lin, user | (stack == StackAccess::Push ? unsigned(kWrite) : 0u));
  }
  const bool stack_load = stack == StackAccess::Pop, stack_store = stack == StackAccess::Push;
  const bool any_load = load || stack_load, any_store = store || stack_store;
  uint32_t dst = dst0;

  // ---- fetch ------------------------------------------------------------------------------
  uint64_t ft = fetch_ready_;
  if (fetch_delay_) note(fetch_cause_, fetch_delay_);
  fetch_delay_ = 0;
  const uint32_t fetch_lin = s.seg[CS].base + eip;
  if ((fetch_lin >> l1i_.line_shift()) != fetch_line_) {
    // A new line (by linear address: a change of address space at the same linear line,
    // which kernels avoid, is not seen).
    fetch_line_ = fetch_lin >> l1i_.line_shift();
    const uint64_t fetch_pa = phys_of(cpu, fetch_lin, kFetch | user);
    if (l1i_.access(fetch_pa)) {
      ++st_.l1i_hits;
    } else {
      ++st_.l1i_misses;
      uint32_t lat = cfg_.l2.latency;
      if (!l2_.access(fetch_pa)) {   // to memory when an L2 miss register is free
        const uint64_t start = l2_mshr_.free_at(ft);
        lat = uint32_t(start - ft) + cfg_.mem_latency;
        l2_mshr_.take(fetch_pa >> l2_.line_shift(), start + cfg_.mem_latency, uint8_t(CpiCause::ICache));
      }
      if (lat > cfg_.l1i.latency) {
        ft += lat - cfg_.l1i.latency;
        note(CpiCause::ICache, lat - cfg_.l1i.latency);
      }
    }
  }
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
  if (cls == ExecClass::Serial) bump(last_complete_, CpiCause::Serialize);
  d = dispatch_slots_.take(d, uops);
  last_dispatch_ = d;

  // ---- execute ----------------------------------------------------------------------------
  const auto on_port = [&](SlotTable& t, uint64_t ready) {
    const uint64_t at = t.take(ready);
    if (at > ready) note(CpiCause::Port, at - ready);
    rs_.push(at);
    return at;
  };
  const uint64_t addr_ready = std::max(d, ready_of(reg_ready_, addr_regs));
  uint64_t complete = d + 1;
  uint64_t load_done = 0;
  if (any_load) {
    ++st_.loads;
    const uint64_t at = on_port(load_, addr_ready);
    CpiCause level;
    uint32_t lat = data_access(stack_load ? stack_pa : load_pa, at, level);
    if (load && stack_load) {
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
    uint64_t fwd = store_ready(stack_load ? stack_pa : load_pa);
    if (load && stack_load) fwd = std::max(fwd, store_ready(load_pa));
    if (fwd && fwd + cfg_.l1d.latency > load_done) {
      note(CpiCause::StoreForward, fwd + cfg_.l1d.latency - load_done);
      load_done = fwd + cfg_.l1d.latency;
      ++st_.forwarded;
    }
    complete = std::max(complete, load_done);
  }
  uint64_t result = std::max(d, load_done);   // when the instruction's result is ready
  if (exec) {
    const uint64_t ready = std::max({d, ready_of(reg_ready_, src), load_done});
    uint64_t at, lat = 1;
    switch (cls) {
      case ExecClass::Mul:
        at = on_port(mul_, ready);
        lat = cfg_.mul_latency;
        break;
      case ExecClass::Div: {
        auto unit = std::min_element(div_free_.begin(), div_free_.end());
        at = std::max(ready, *unit);
        if (at > ready) note(CpiCause::Port, at - ready);
        rs_.push(at);
        lat = cfg_.div_latency;
        *unit = at + lat;
        break;
      }
      case ExecClass::Branch: at = on_port(branch_, ready); break;
      case ExecClass::String: {
        // One element per cycle; each line the source and destination ranges touch goes
        // through the caches, misses one after another.
        uint32_t n = 1;
        if (insn.rep()) {
          const uint32_t mask = insn.asize == 2 ? 0xffffu : ~0u;
          n = std::max<uint32_t>(1, (pre_[ECX] - s.r[ECX]) & mask);
        }
        at = on_port(load_, ready);
        lat = n;
        const auto range = [&](unsigned seg, unsigned reg, bool write) {
          const uint32_t a = pre_[reg], b = s.r[reg];
          if (a == b) return;
          uint32_t lo = std::min(a, b), hi = std::max(a, b);
          const unsigned shift = l1d_.line_shift();
          uint32_t lines = ((hi - 1) >> shift) - (lo >> shift) + 1;
          lines = std::min<uint32_t>(lines, 4096);
          for (uint32_t k = 0; k < lines; ++k) {
            const uint32_t lin = s.seg[seg].base + ((lo >> shift) + k) * (1u << shift);
            CpiCause level;
            const uint64_t pa = phys_of(cpu, lin, user | (write ? unsigned(kWrite) : 0u));
            const uint32_t l = data_access(pa, at + lat, level);
            if (l > cfg_.l1d.latency) {
              lat += l - cfg_.l1d.latency;
              note(level, l - cfg_.l1d.latency);
            }
          }
          (write ? st_.stores : st_.loads) += lines;
        };
        const unsigned m = insn.mnemonic;
        const bool reads_si = !(m == ZYDIS_MNEMONIC_STOSB || m == ZYDIS_MNEMONIC_STOSW ||
                                m == ZYDIS_MNEMONIC_STOSD || m == ZYDIS_MNEMONIC_SCASB ||
                                m == ZYDIS_MNEMONIC_SCASW || m == ZYDIS_MNEMONIC_SCASD);
        const bool di_written = m == ZYDIS_MNEMONIC_MOVSB || m == ZYDIS_MNEMONIC_MOVSW ||
                                m == ZYDIS_MNEMONIC_MOVSD || m == ZYDIS_MNEMONIC_STOSB ||
                                m == ZYDIS_MNEMONIC_STOSW || m == ZYDIS_MNEMONIC_STOSD;
        if (reads_si) range(insn.mem.seg, ESI, false);
        range(ES, EDI, di_written);
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
      default:
        at = on_port(alu_, ready);
        lat = cfg_.alu_latency;
        break;
    }
    if (cls == ExecClass::Mul || cls == ExecClass::Div) note(CpiCause::Exec, lat - 1);
    result = at + lat;
    complete = std::max(complete, result);
  }
  if (any_store) {
    ++st_.stores;
    const uint64_t ready = std::max(addr_ready, pure_move ? ready_of(reg_ready_, src) : result);
    const uint64_t at = on_port(store_, ready);
    store_access(stack_store ? stack_pa : store_pa);   // write-allocate; no wait
    note_store(stack_store ? stack_pa : store_pa, at + 1);
    if (store && stack_store) {
      store_access(store_pa);
      note_store(store_pa, at + 1);
    }
    complete = std::max(complete, at + 1);
  }
  if (!exec && !any_load && !any_store) rs_.push(d);
  // Results: registers written are ready with the result; the stack pointer of PUSH / POP /
  // CALL / RET is updated by the address arithmetic, independent of the access.
  if (stack != StackAccess::None) {
    reg_ready_[ESP] = std::max(reg_ready_[ESP], d) + cfg_.alu_latency;
    dst &= ~(1u << ESP);
    if (insn.mnemonic == ZYDIS_MNEMONIC_LEAVE) dst |= 1u << EBP;
  }
  if (!exec && any_load) result = load_done;
  for (uint32_t m = dst; m;) {
    const unsigned b = unsigned(__builtin_ctz(m));
    m &= m - 1;
    reg_ready_[b] = result;
  }
  last_complete_ = std::max(last_complete_, complete);

  // ---- branches ---------------------------------------------------------------------------
  if (br != BranchKind::None) {
    const Prediction p = bp_.resolve(br, s.seg[CS].base + eip, insn.len, s.seg[CS].base + s.eip);
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
  if (cls == ExecClass::Serial) fetch_ready_ = std::max(fetch_ready_, complete);

  // ---- retire -----------------------------------------------------------------------------
  uint64_t r = std::max(complete, last_retire_);
  r = retire_slots_.take(r, uops);
  for (unsigned u = 0; u < uops; ++u) rob_.push(r);
  if (any_load) lq_.push(r);
  if (any_store) sq_.push(r);
  const uint64_t delta = r - last_retire_;
  uint64_t* frow = nullptr;
  if (funcs_) {
    FunctionStats& f = fn_[size_t(sh.func + 1)];
    ++f.insns;
    frow = f.cpi;
    frow[size_t(CpiCause::Hypervisor)] += hv;
    frow[size_t(CpiCause::Other)] += outside - hv;
  }
  if (delta) {
    uint64_t rest = delta - 1;
    st_.cpi[size_t(CpiCause::Base)] += 1;
    if (frow) frow[size_t(CpiCause::Base)] += 1;
    if (rest && comp_mask_) {
      for (CpiCause c : kChargeOrder) {
        const uint64_t take = std::min(rest, comp_[size_t(c)]);
        st_.cpi[size_t(c)] += take;
        if (frow) frow[size_t(c)] += take;
        rest -= take;
      }
    }
    st_.cpi[size_t(CpiCause::Base)] += rest;
    if (frow) frow[size_t(CpiCause::Base)] += rest;
  }
  for (uint32_t m = comp_mask_; m; m &= m - 1) comp_[__builtin_ctz(m)] = 0;
  comp_mask_ = 0;
  last_retire_ = r;
  ++st_.insns;
  st_.uops += uops;
  std::memcpy(pre_, s.r, sizeof pre_);
  expect_eip_ = s.eip;
  s.cycles = r;
  last_written_ = r;
}

TimingStats OooModel::stats() const {
  TimingStats t = st_;
  t.branches = bp_.stats();
  t.cycles = 0;
  for (uint64_t c : st_.cpi) t.cycles += c;
  return t;
}

}  // namespace pvlab
