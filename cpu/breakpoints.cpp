// The CPU's side of a debugger's breakpoints, watchpoints and event catches
// (cpu/breakpoints.h): which instructions of a block may run before a breakpoint, whether a
// memory access hits a watchpoint, whether a delivered event is caught.
#include <algorithm>

#include "cpu/cpu.h"

namespace pvlab {

void Cpu::set_debug_breaks(DebugBreaks* b) {
  breaks_ = (b && !b->empty()) ? b : nullptr;
  dbg_watch_ = breaks_ && !breaks_->watch.empty();
  for (uint64_t& w : bp_pages_) w = 0;
  auto mark = [this](uint64_t addr) {
    const unsigned p = unsigned(addr >> kPageShift) & 4095;
    bp_pages_[p >> 6] |= 1ull << (p & 63);
  };
  if (breaks_) {
    for (uint32_t a : breaks_->lin) mark(a);
    for (paddr_t a : breaks_->phys) mark(a);
  }
  watch_active_ = data_breakpoints_ || align_check_ || dbg_watch_ || mem_observer_;
  exit_block_ = true;
}

namespace {

// The index of the instruction of `b` that starts `off` bytes into it, or -1 when no
// instruction starts there.
int insn_at_offset(const Block& b, uint64_t off) {
  uint64_t at = 0;
  for (size_t k = 0; k < b.insns.size() && at <= off; ++k) {
    if (at == off) return int(k);
    at += b.insns[k].len;
  }
  return -1;
}

}  // namespace

// How many instructions of `b` (entered at the current EIP) may run before the first
// breakpoint: 0 to stop now, b.insns.size() or more when none is inside the block.
unsigned Cpu::break_room(const Block& b) {
  const DebugBreaks& d = *breaks_;
  const uint32_t lin = s.seg[CS].base + s.eip;
  const bool skip = bp_skip_armed_ && lin == bp_skip_lin_;
  bp_skip_armed_ = false;
  // Every instruction of a block starts in its first page: most blocks are cleared here.
  if (!bp_page(lin) && !bp_page(b.phys)) return ~0u;
  unsigned room = unsigned(b.insns.size());
  auto consider = [&](uint64_t off) {
    const int k = insn_at_offset(b, off);
    if (k < 0 || (k == 0 && skip)) return;
    room = std::min(room, unsigned(k));
  };
  for (auto it = std::lower_bound(d.lin.begin(), d.lin.end(), lin);
       it != d.lin.end() && *it - lin < b.span; ++it)
    consider(*it - lin);
  for (auto it = std::lower_bound(d.phys.begin(), d.phys.end(), b.phys);
       it != d.phys.end() && *it - b.phys < b.span; ++it)
    consider(*it - b.phys);
  if (room == 0) breaks_->hit = DebugHit{DebugHit::Kind::Breakpoint};
  return room;
}

namespace {

bool overlaps(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen) {
  return a < b + blen && b < a + alen;
}

}  // namespace

// A data access of `size` bytes at linear `lin`; `pa` is the physical address of its first
// byte and `page2` the physical base of the second page when the access crosses one.
void Cpu::break_on_access(uint32_t lin, unsigned size, paddr_t pa, paddr_t page2, bool write) {
  DebugBreaks& d = *breaks_;
  const uint8_t kind = write ? watch::kWrite : watch::kRead;
  const unsigned first = page2 == ~paddr_t(0) ? size : kPageSize - (lin & kPageMask);
  for (unsigned n = 0; n < d.watch.size(); ++n) {
    const Watchpoint& w = d.watch[n];
    if (!(w.kind & kind)) continue;
    uint64_t at = 0;
    bool hit = false;
    if (!w.phys) {
      hit = overlaps(lin, size, w.addr, w.len);
      at = lin;
    } else if (overlaps(pa, first, w.addr, w.len)) {
      hit = true;
      at = pa;
    } else if (first < size && overlaps(page2, size - first, w.addr, w.len)) {
      hit = true;
      at = page2;
    }
    if (!hit) continue;
    if (d.hit.kind != DebugHit::Kind::Watch) {
      d.hit = DebugHit{DebugHit::Kind::Watch};
      d.hit.index = n;
      d.hit.addr = at;
      d.hit.access = kind;
    }
    request_stop(StopReason::Breakpoint);
    return;
  }
}

void Cpu::break_on_event(const Event& e) {
  DebugBreaks& d = *breaks_;
  bool caught = d.catch_vector.test(e.vector);
  if (!caught && e.kind == EventKind::SoftInt && e.vector == d.soft_vector) {
    const uint32_t eax = s.r[EAX];
    caught = d.catch_eax_any ||
             std::find(d.catch_eax.begin(), d.catch_eax.end(), eax) != d.catch_eax.end();
  }
  if (!caught || d.hit.kind != DebugHit::Kind::None) return;
  DebugHit h{DebugHit::Kind::Event};
  h.vector = e.vector;
  h.event_kind = uint8_t(e.kind);
  h.error = e.error;
  h.has_error = e.has_error;
  h.eax = s.r[EAX];
  h.eip = s.eip;
  d.hit = h;
  request_stop(StopReason::Breakpoint);
}

}  // namespace pvlab
