// The run loop and the decoded-block cache glue: fetch through the I-TLB, find or build the
// block for the physical address, run its handlers, retire, and check events between blocks.
#include "cpu/cpu.h"

#include "cpu/decode/decoder.h"

namespace pvlab {

namespace {
constexpr unsigned kMaxBlockInsns = 64;
}

const char* stop_reason_name(StopReason r) {
  switch (r) {
    case StopReason::None: return "running";
    case StopReason::HaltIfOff: return "halted with interrupts disabled";
    case StopReason::Idle: return "halted with nothing left to wake the CPU";
    case StopReason::InsnLimit: return "instruction limit reached";
    case StopReason::CycleLimit: return "cycle limit reached";
    case StopReason::TripleFault: return "triple fault";
    case StopReason::Requested: return "stopped on request";
    case StopReason::Breakpoint: return "breakpoint";
  }
  return "?";
}

Cpu::Cpu(Bus& bus, const CpuConfig& cfg)
    : bus_(bus), mmu_(bus, cfg.mmu), blocks_(cfg.max_cached_blocks), decoder_(new Decoder) {
  mmu_.set_cycle_counter(&s.cycles);
  bus_.set_code_listener(this);
  reset();
}

Cpu::~Cpu() {
  bus_.set_code_listener(nullptr);
}

void Cpu::reset() {
  uint64_t cycles = s.cycles;
  s = CpuState{};
  s.cycles = cycles;
  s.r[EDX] = 0x00000633;  // family 6, model 3, stepping 3 (as CPUID leaf 1 reports)
  for (unsigned i = 0; i < kNumSeg; ++i) {
    SegCache& c = s.seg[i];
    c.sel = 0;
    c.base = 0;
    c.limit = 0xffff;
    c.attr = sa::P | sa::S | sa::RW | sa::ACCESSED | (i == CS ? sa::CODE : 0);
  }
  s.seg[CS].sel = 0xf000;
  s.seg[CS].base = 0xffff0000u;
  s.eip = 0xfff0;
  s.idtr = {0, 0x3ff};
  s.gdtr = {0, 0xffff};
  s.ldtr.limit = 0xffff;
  s.ldtr.attr = sa::P | 2;
  s.tr.limit = 0xffff;
  s.tr.attr = sa::P | 11;
  update_mode();
  sync_paging();
  mmu_.flush(true);
  flush_blocks();
  has_pending_ = false;
  stop_ = StopReason::None;
  update_debug_state();
}

void Cpu::enter_flat_protected(uint32_t eip) {
  s.cr0 = (s.cr0 | cr0::PE | cr0::ET) & ~(cr0::PG | cr0::CD | cr0::NW);
  for (unsigned i = 0; i < kNumSeg; ++i) {
    SegCache& c = s.seg[i];
    c.sel = i == CS ? 0x08 : 0x10;
    c.base = 0;
    c.limit = 0xffffffffu;
    c.attr = sa::P | sa::S | sa::DB | sa::G | sa::ACCESSED | sa::RW | (i == CS ? sa::CODE : 0);
  }
  s.eip = eip;
  s.cpl = 0;
  s.eflags = fl::kFixed1;
  s.lf.op = LazyOp::None;
  update_mode();
  sync_paging();
  mmu_.flush(true);
}

void Cpu::update_mode() {
  CpuMode m = !(s.cr0 & cr0::PE) ? CpuMode::Real
              : (s.eflags & fl::VM) ? CpuMode::V86
                                    : CpuMode::Protected;
  s.mode = m;
  if (m == CpuMode::Real) s.cpl = 0;
  if (m == CpuMode::V86) s.cpl = 3;
  for (auto& c : s.seg) refresh_cache_flags(c, m);
}

uint32_t Cpu::mode_key() const {
  return (code32() ? 1u : 0u) | (uint32_t(s.mode) << 1);
}

void Cpu::flush_blocks() {
  blocks_.flush();
  PhysMem& ram = bus_.ram();
  for (uint64_t f = 0; f < ram.frames(); ++f) ram.set_code(f, false);
  exit_block_ = true;
}

void Cpu::code_written(paddr_t addr, unsigned size) {
  for (uint64_t f = addr >> kPageShift; f <= (addr + size - 1) >> kPageShift; ++f) {
    if (blocks_.invalidate_frame(f)) exit_block_ = true;
    bus_.ram().set_code(f, false);
  }
}

// Copy up to `n` instruction bytes at linear `lin` into buf through the I-TLB. `got` receives
// how many bytes could be fetched; where a page is not fetchable, `fault_lin` and `fault_err`
// say which and why (the caller decides whether those bytes were needed).
bool Cpu::fetch_bytes(uint32_t lin, uint8_t* buf, unsigned n, unsigned& got) {
  got = 0;
  while (got < n) {
    uint32_t a = lin + got;
    uint32_t err;
    TlbEntry* e = mmu_.translate(a, kFetch | user_access(), err);
    if (!e) {
      fetch_fault_lin_ = a;
      fetch_fault_err_ = err;
      return false;
    }
    unsigned chunk = std::min<unsigned>(n - got, kPageSize - (a & kPageMask));
    for (unsigned k = 0; k < chunk; ++k) {
      paddr_t pa = e->frame | ((a + k) & kPageMask);
      buf[got + k] = e->host ? e->host[(a + k) & kPageMask] : uint8_t(bus_.read(pa, 1));
    }
    got += chunk;
  }
  return true;
}

bool Cpu::build_block(Block& b, uint32_t eip, paddr_t phys, uint32_t mode) {
  const SegCache& cs = s.seg[CS];
  const bool c32 = mode & 1;
  b.phys = phys;
  b.mode = mode;
  b.lin = cs.base + eip;
  b.span = 0;
  uint32_t cur = eip;
  for (unsigned n = 0; n < kMaxBlockInsns; ++n) {
    uint32_t lin = cs.base + cur;
    // Bytes up to the end of this page first; the next page only if the decoder needs it.
    uint8_t buf[16];
    unsigned in_page = std::min<unsigned>(15, kPageSize - (lin & kPageMask));
    unsigned got = 0;
    if (!fetch_bytes(lin, buf, in_page, got)) {
      if (n != 0) break;
      return page_fault(fetch_fault_lin_, fetch_fault_err_);
    }
    Insn insn;
    DecodeStatus st = decoder_->decode(buf, got, c32, insn);
    bool crosses = false;
    if (st == DecodeStatus::NeedMore && got < 15) {
      unsigned more = 0;
      bool whole = fetch_bytes(lin + got, buf + got, 15 - got, more);
      got += more;
      st = decoder_->decode(buf, got, c32, insn);
      crosses = true;
      if (st == DecodeStatus::NeedMore && !whole) {
        if (n != 0) break;
        // Needed bytes on a page that cannot be fetched: #PF with CR2 = that page's first
        // byte, unless those bytes are beyond the CS limit (the limit check comes first).
        if (uint64_t(cur) + got > cs.limit) return gp(0);
        return page_fault(fetch_fault_lin_, fetch_fault_err_);
      }
    }
    if (st == DecodeStatus::NeedMore || st == DecodeStatus::TooLong) {
      if (n != 0) break;
      return gp(0);  // longer than 15 bytes
    }
    // The whole instruction must lie inside CS.
    uint64_t last = uint64_t(cur) + insn.len - 1;
    if (!c32 && last > 0xffff && n != 0) break;  // IP wraps: let that start a new block
    if (last > cs.limit) {
      if (n != 0) break;
      return gp(0);
    }
    if (crosses && insn.len > in_page) {
      if (n != 0) break;  // a page-crossing instruction starts its own block
      uint32_t err;
      TlbEntry* e2 = mmu_.translate((lin + in_page), kFetch | user_access(), err);
      if (!e2) return page_fault(lin + in_page, err);
      b.frame2 = e2->frame;
      b.lin2 = (lin + in_page) & ~kPageMask;
      insn.flags |= iflag::CROSSES_PAGE | iflag::ENDS_BLOCK;
    }
    b.insns.push_back(insn);
    b.span += insn.len;
    cur += insn.len;
    if (insn.flags & iflag::ENDS_BLOCK) break;
    if (((cs.base + cur) & ~kPageMask) != (b.lin & ~kPageMask)) break;  // next page
  }
  return true;
}

Block* Cpu::fetch_block() {
  const SegCache& cs = s.seg[CS];
  if (s.eip > cs.limit) {
    gp(0);
    return nullptr;
  }
  uint32_t lin = cs.base + s.eip;
  uint32_t err;
  TlbEntry* e = mmu_.translate(lin, kFetch | user_access(), err);
  if (!e) {
    page_fault(lin, err);
    return nullptr;
  }
  paddr_t phys = e->frame | (lin & kPageMask);
  uint32_t mode = mode_key();
  Block* b = blocks_.find(phys, mode);
  if (b) {
    bool ok = uint64_t(s.eip) + b->span - 1 <= cs.limit;
    if (ok && b->frame2 != ~paddr_t(0)) {
      uint32_t err2;
      TlbEntry* e2 = mmu_.translate(lin + b->span - 1, kFetch | user_access(), err2);
      ok = e2 && e2->frame == b->frame2;
      if (!ok && !e2) {
        page_fault((lin + b->span - 1) & ~kPageMask, err2);
        return nullptr;
      }
    }
    if (ok) return b;
  }
  auto nb = std::make_unique<Block>();
  if (!build_block(*nb, s.eip, phys, mode)) return nullptr;
  bus_.ram().set_code(phys >> kPageShift, true);
  if (nb->frame2 != ~paddr_t(0)) bus_.ram().set_code(nb->frame2 >> kPageShift, true);
  return blocks_.insert(std::move(nb));
}

void Cpu::deliver_pending() {
  if (!has_pending_) {
    // A handler returned false without raising: a pvlab bug; report it as #UD so the guest
    // (and the differential tester) sees it rather than looping.
    pending_ = {EventKind::Fault, exc::UD, false, 0, 0};
  }
  has_pending_ = false;
  Event e = pending_;
  if (e.kind == EventKind::Fault) e.return_eip = s.eip;
  deliver(e);
}

bool Cpu::check_interrupts() {
  if (s.int_shadow) return false;
  if ((s.eflags & fl::IF) && platform_->irq_pending()) {
    s.halted = 0;
    uint8_t v = platform_->irq_ack();
    deliver({EventKind::HwInt, v, false, 0, s.eip});
    return true;
  }
  return false;
}

void Cpu::add_retire_hook(RetireHook* h, int rank) {
  for (const RankedHook& r : hooks_)
    if (r.hook == h) return;
  auto at = hooks_.begin();
  while (at != hooks_.end() && at->rank <= rank) ++at;
  hooks_.insert(at, {rank, h});
  retire_hook_ = hooks_.size() == 1 ? hooks_[0].hook : &fan_out_;
  exit_block_ = true;
}

void Cpu::remove_retire_hook(RetireHook* h) {
  for (auto it = hooks_.begin(); it != hooks_.end(); ++it) {
    if (it->hook != h) continue;
    hooks_.erase(it);
    retire_hook_ = hooks_.empty() ? nullptr : hooks_.size() == 1 ? hooks_[0].hook : &fan_out_;
    exit_block_ = true;
    return;
  }
}

void Cpu::FanOut::retired(Cpu& cpu, const Insn& insn, uint32_t eip) {
  for (const RankedHook& r : hooks_) r.hook->retired(cpu, insn, eip);
}

StopReason Cpu::run(uint64_t max_insns) {
  uint64_t limit = max_insns ? s.insns + max_insns : ~0ull;
  return retire_hook_ ? run_loop<true>(limit) : run_loop<false>(limit);
}

StopReason Cpu::step() { return run(1); }

// Execute one instruction with the checks the fast loop leaves out: the interrupt shadow, RF,
// and debug traps after the instruction (single step, data and I/O breakpoints). Used while
// EFLAGS.TF or RF is set, a shadow is active, or a debug register is armed.
bool Cpu::exec_one_slow(const Insn& insn) {
  const bool tf = s.eflags & fl::TF;
  const uint8_t shadow = s.int_shadow;
  const uint32_t start = s.eip;
  s.eflags &= ~fl::RF;  // cleared once the instruction-breakpoint check has passed
  db_hits_ = 0;
  next_eip = code32() ? s.eip + insn.len : ((s.eip + insn.len) & 0xffff);
  if (!insn.fn(*this, insn)) {
    if (shadow && s.int_shadow == shadow) s.int_shadow = 0;
    db_hits_ = 0;
    db_held_ = 0;
    deliver_pending();
    return false;
  }
  s.eip = next_eip;
  ++s.insns;
  s.cycles += insn.cost;
  if (shadow && s.int_shadow == shadow) s.int_shadow = 0;
  // A repeated string instruction that stopped part-way runs on from the same EIP: like the
  // hardware between iterations, RF keeps its instruction breakpoint from firing again.
  if (s.eip == start && insn.rep()) s.eflags |= fl::RF;
  // Debug traps: B0-B3 for data / I/O breakpoints, BS for a single step begun with TF=1.
  uint32_t dr6 = db_held_ | db_hits_;
  if (tf) dr6 |= 1u << 14;
  db_hits_ = 0;
  db_held_ = 0;
  if (dr6) {
    // MOV SS and POP SS hold debug traps until after the next instruction.
    const bool loads_ss = insn.nops && insn.op[0].kind == OpKind::SReg && insn.op[0].reg == SS &&
                          (insn.mnemonic == ZYDIS_MNEMONIC_MOV || insn.mnemonic == ZYDIS_MNEMONIC_POP);
    if (loads_ss) db_held_ = dr6;
    else debug_trap(dr6);
  }
  return true;
}

// One instruction on the slow path: an instruction breakpoint is a fault taken before the
// fetch (unless RF suppresses it), then the instruction runs alone.
template <bool kHooks>
void Cpu::step_slow() {
  if (debug_armed_ && !(s.eflags & fl::RF) && code_breakpoint()) return;
  Block* b = fetch_block();
  if (!b) {
    deliver_pending();
    return;
  }
  if (PVLAB_UNLIKELY(breaks_ != nullptr) && break_room(*b) == 0) {
    request_stop(StopReason::Breakpoint);
    return;
  }
  trace_.enter(b->phys, s.insns);
  const uint32_t eip = s.eip;
  if (exec_one_slow(b->insns[0]) && kHooks) retire_hook_->retired(*this, b->insns[0], eip);
}

PVLAB_INLINE uint64_t Cpu::fetch_stamp() {  // used by the run loop alone
  const SegCache& cs = s.seg[CS];
  FetchContext& f = fetch_ctx_;
  if (PVLAB_UNLIKELY(cs.base != f.cs_base || cs.limit != f.cs_limit || cs.attr != f.cs_attr ||
                     s.cpl != f.cpl || s.mode != f.mode)) {
    f = {cs.base, cs.limit, cs.attr, s.cpl, s.mode};
    ++ctx_epoch_;
  }
  // Each counter only grows, so the sum changes whenever any of them does.
  return mmu_.itlb().epoch() + blocks_.generation() + ctx_epoch_;
}

template <bool kHooks>
StopReason Cpu::run_loop(uint64_t limit) {
  Block* prev = nullptr;  // the block that ran last, whose links may name the next one
  // The last iteration ran a block to its end with exit_block_ clear and nothing else
  // happened: every change of CS, CPL or mode ends a block (load_cs, load_seg_real, event
  // delivery, SYSENTER, task switches, mode changes), so the fetch context is still the one
  // fetch_stamp() last recorded and need not be compared again.
  bool plain = false;
  const auto quick_stamp = [this] {
    return mmu_.itlb().epoch() + blocks_.generation() + ctx_epoch_;
  };
  for (;;) {
    const bool ctx_known = plain;
    plain = false;
    if (PVLAB_UNLIKELY(blocks_.has_garbage())) {
      prev = nullptr;
      blocks_.collect();
    }
    exit_block_ = false;
    if (stop_ != StopReason::None) {
      StopReason r = stop_;
      stop_ = StopReason::None;
      return r;
    }
    if (s.insns >= limit) return StopReason::InsnLimit;
    if (s.cycles >= cycle_limit_) return StopReason::CycleLimit;
    if (s.cycles >= deadline_) {
      deadline_ = ~0ull;
      platform_->deadline(*this);
      continue;
    }
    if (PVLAB_UNLIKELY(s.eflags & fl::IF) && check_interrupts()) continue;
    update_align_check();
    if (s.halted) {
      if (!(s.eflags & fl::IF)) return StopReason::HaltIfOff;
      if (!platform_->idle(*this)) return StopReason::Idle;
      continue;
    }
    if (PVLAB_UNLIKELY((s.eflags & (fl::TF | fl::RF)) || s.int_shadow || debug_armed_)) {
      step_slow<kHooks>();
      prev = nullptr;
      continue;
    }
    const uint64_t stamp = ctx_known ? quick_stamp() : fetch_stamp();
    Block* b = nullptr;
    if (prev) {
      for (const Block::Link& l : prev->link) {
        if (l.eip == s.eip && l.stamp == stamp) {
          b = l.next;
          ++mmu_.itlb().stats().hits;  // the fetch translation the lookup would have made
          break;
        }
      }
    }
    if (!b) {
      b = fetch_block();
      if (!b) {
        deliver_pending();
        prev = nullptr;
        continue;
      }
      if (prev && b->frame2 == ~paddr_t(0)) {
        Block::Link& l = prev->link[prev->link_victim];
        prev->link_victim ^= 1;
        l = {s.eip, quick_stamp(), b};  // the context was checked above
      }
    }
    unsigned room = ~0u;  // instructions that may run before a debugger's breakpoint
    if (PVLAB_UNLIKELY(breaks_ != nullptr) && (room = break_room_quick(*b)) == 0)
      return StopReason::Breakpoint;
    prev = b;
    trace_.enter(b->phys, s.insns);
    // Dropped blocks stay allocated until the next safe point, so the array stays readable
    // while its instructions run. The instruction limit cuts the block short, so the loop
    // tests only exit_block_ per instruction. The block's mode key says whether it is 32-bit
    // code (mode_key()), as CS does now.
    const uint32_t ip_mask = (b->mode & 1) ? 0xffffffffu : 0xffffu;
    // No block holds more than kMaxBlockInsns instructions, so a limit or a room at least
    // that large cannot cut it (and the common case needs no division by sizeof(Insn)).
    const Insn* i = b->insns.data();
    const Insn* end = std::to_address(b->insns.end());
    if (PVLAB_UNLIKELY(limit - s.insns < kMaxBlockInsns) && uint64_t(end - i) > limit - s.insns)
      end = i + (limit - s.insns);
    if (PVLAB_UNLIKELY(room < kMaxBlockInsns) && room < uint64_t(end - i)) end = i + room;
    // EIP stays in a register: only a handler that ends the block (event delivery) moves
    // s.eip other than through next_eip.
    uint32_t eip = s.eip;
    // One instruction: false when the block is left. The loop below repeats it four times
    // in a row so that the indirect calls of consecutive instructions come from different
    // call sites, which the host's branch predictor tells apart better than one.
    const auto one = [&]() __attribute__((always_inline)) {
      next_eip = (eip + i->len) & ip_mask;
      if (PVLAB_UNLIKELY(!i->fn(*this, *i))) {
        deliver_pending();
        return false;
      }
      const uint32_t start = eip;
      s.eip = eip = next_eip;
      ++s.insns;
      s.cycles += i->cost;
      if constexpr (kHooks) {
        retire_hook_->retired(*this, *i, start);
        eip = s.eip;
      }
      if (PVLAB_UNLIKELY(exit_block_)) return false;
      if (++i == end) {
        plain = true;
        return false;
      }
      return true;
    };
    while (one() && one() && one() && one()) {
    }
  }
}

template StopReason Cpu::run_loop<true>(uint64_t);
template StopReason Cpu::run_loop<false>(uint64_t);

}  // namespace pvlab
