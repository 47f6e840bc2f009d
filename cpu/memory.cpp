// The slow halves of the memory path: segment checks that the flat fast path skips, accesses
// that cross a page, the stack, the I/O permission check, and the debugger's side-effect-free
// view of memory.
#include "cpu/cpu.h"

namespace pvlab {

bool Cpu::seg_check_slow(unsigned seg, uint32_t off, unsigned size, unsigned kind, uint32_t& lin) {
  const SegCache& c = s.seg[seg];
  const uint8_t vec = seg == SS ? exc::SS : exc::GP;
  if (!c.valid) return raise(vec, 0);
  if (kind == 2 ? !c.writable : !c.readable) return raise(vec, 0);
  const uint64_t last = uint64_t(off) + size - 1;
  if (!c.expand_down) {
    if (last > c.limit) return raise(vec, 0);  // also an access running past 4 GiB
  } else {
    const uint64_t upper = c.big() ? 0xffffffffull : 0xffffull;
    if (off <= c.limit || last > upper) return raise(vec, 0);
  }
  lin = c.base + off;
  return true;
}

void Cpu::refresh_cache_flags(SegCache& c, CpuMode mode) {
  const bool code = (c.attr & sa::S) && (c.attr & sa::CODE);
  if (mode != CpuMode::Protected) {
    c.valid = 1;
    c.readable = 1;
    c.writable = 1;
    c.expand_down = !code && (c.attr & sa::DC);
    return;
  }
  c.valid = (c.attr & sa::P) ? 1 : 0;
  if (!c.valid || !(c.attr & sa::S)) {
    c.readable = c.writable = c.expand_down = 0;
    return;
  }
  if (code) {
    c.readable = (c.attr & sa::RW) ? 1 : 0;
    c.writable = 0;
    c.expand_down = 0;
  } else {
    c.readable = 1;
    c.writable = (c.attr & sa::RW) ? 1 : 0;
    c.expand_down = (c.attr & sa::DC) ? 1 : 0;
  }
}

namespace {
struct Piece {
  paddr_t frame;
  uint8_t* host;
};
}  // namespace

bool Cpu::read_lin_slow(uint32_t lin, unsigned size, uint32_t& v, unsigned access) {
  if (align_check_ && (access & kUser) && (lin & (size - 1))) return raise(exc::AC, 0);
  // Translate every page the access touches before reading any byte.
  Piece p[2];
  unsigned npages = ((lin & kPageMask) + size > kPageSize) ? 2 : 1;
  for (unsigned k = 0; k < npages; ++k) {
    uint32_t a = k == 0 ? lin : (lin + size - 1) & ~kPageMask;
    uint32_t err;
    TlbEntry* e = mmu_.translate(a, access, err);
    if (!e) return page_fault(a, err);
    p[k] = {e->frame, e->host};
  }
  if (watch_active_) note_data_access(lin, size, false);
  if (PVLAB_UNLIKELY(dbg_watch_))
    break_on_access(lin, size, p[0].frame | (lin & kPageMask), npages == 2 ? p[1].frame : ~paddr_t(0), false);
  v = 0;
  for (unsigned b = 0; b < size; ++b) {
    uint32_t a = lin + b;
    const Piece& pc = p[((a & ~kPageMask) == (lin & ~kPageMask)) ? 0 : 1];
    uint32_t byte = pc.host ? pc.host[a & kPageMask] : bus_.read(pc.frame | (a & kPageMask), 1);
    v |= (byte & 0xff) << (8 * b);
  }
  if (PVLAB_UNLIKELY(mem_observer_ != nullptr)) mem_observer_->access(lin, size, v, false);
  return true;
}

bool Cpu::write_lin_slow(uint32_t lin, unsigned size, uint32_t v, unsigned access) {
  if (align_check_ && (access & kUser) && (lin & (size - 1))) return raise(exc::AC, 0);
  Piece p[2];
  unsigned npages = ((lin & kPageMask) + size > kPageSize) ? 2 : 1;
  for (unsigned k = 0; k < npages; ++k) {
    uint32_t a = k == 0 ? lin : (lin + size - 1) & ~kPageMask;
    uint32_t err;
    TlbEntry* e = mmu_.translate(a, access | kWrite, err);
    if (!e) return page_fault(a, err);
    p[k] = {e->frame, mmu_.unpark(*e)};
  }
  if (watch_active_) note_data_access(lin, size, true);
  if (PVLAB_UNLIKELY(dbg_watch_))
    break_on_access(lin, size, p[0].frame | (lin & kPageMask), npages == 2 ? p[1].frame : ~paddr_t(0), true);
  if (PVLAB_UNLIKELY(mem_observer_ != nullptr)) mem_observer_->access(lin, size, v, true);
  for (unsigned b = 0; b < size; ++b) {
    uint32_t a = lin + b;
    const Piece& pc = p[((a & ~kPageMask) == (lin & ~kPageMask)) ? 0 : 1];
    paddr_t pa = pc.frame | (a & kPageMask);
    uint8_t byte = uint8_t(v >> (8 * b));
    if (pc.host) {
      pc.host[a & kPageMask] = byte;
      bus_.note_tlb_write(pa, 1);
    } else {
      bus_.write(pa, 1, byte);
    }
  }
  return true;
}

bool Cpu::read64(unsigned seg, uint32_t off, uint64_t& v) {
  uint32_t lin;
  if (!seg_check(seg, off, 8, 1, lin)) return false;
  uint32_t lo, hi;
  // Check both halves' pages before reading (a fault leaves nothing half-done).
  if (!read_lin(lin, 4, lo, user_access()) || !read_lin(lin + 4, 4, hi, user_access())) return false;
  v = lo | (uint64_t(hi) << 32);
  return true;
}

bool Cpu::write64(unsigned seg, uint32_t off, uint64_t v) {
  uint32_t lin;
  if (!seg_check(seg, off, 8, 2, lin)) return false;
  // When the eight bytes cross a page, translate the second page for writing first so a
  // fault there writes nothing (CR2 = the first byte of that page, as for any split access).
  const uint32_t page2 = (lin + 7) & ~kPageMask;
  if (page2 != (lin & ~kPageMask)) {
    uint32_t err;
    if (!mmu_.translate(page2, user_access() | kWrite, err)) return page_fault(page2, err);
  }
  if (!write_lin(lin, 4, uint32_t(v), user_access())) return false;
  return write_lin(lin + 4, 4, uint32_t(v >> 32), user_access());
}

bool Cpu::push(uint32_t v, unsigned size) {
  uint32_t nsp = (sp() - size) & sp_mask();
  if (!write(SS, nsp, size, v)) return false;
  set_sp(nsp);
  return true;
}

bool Cpu::pop(uint32_t& v, unsigned size) {
  if (!read(SS, sp(), size, v)) return false;
  set_sp(sp() + size);
  return true;
}

bool Cpu::stack_read(uint32_t offset, unsigned size, uint32_t& v) {
  return read(SS, (sp() + offset) & sp_mask(), size, v);
}

bool Cpu::stack_write(uint32_t offset, unsigned size, uint32_t v) {
  return write(SS, (sp() + offset) & sp_mask(), size, v);
}

bool Cpu::load_other(const Insn& i, const Operand& o, uint32_t& v) {
  switch (o.kind) {
    case OpKind::SReg: v = s.seg[o.reg].sel; return true;
    case OpKind::Rel:
    case OpKind::Ptr: v = i.imm; return true;
    default: return ud();
  }
}

bool Cpu::store_other(const Insn&, const Operand& o, uint32_t v) {
  if (o.kind == OpKind::SReg) return load_seg(o.reg, uint16_t(v));
  return ud();
}

void Cpu::set_flags(uint32_t value, uint32_t mask) {
  materialize(s);
  uint32_t old = s.eflags;
  s.eflags = ((old & ~mask) | (value & mask) | fl::kFixed1) & (fl::kWritable | fl::kFixed1);
  uint32_t changed = old ^ s.eflags;
  if (changed & fl::VM) update_mode();
  if (changed & (fl::IF | fl::TF | fl::RF | fl::VM | fl::AC)) exit_block_ = true;
}

bool Cpu::io_allowed(uint16_t port, unsigned size) {
  // Every I/O instruction passes here first, so I/O breakpoints are matched here too.
  if (PVLAB_UNLIKELY(debug_armed_)) note_io_access(port, size);
  if (s.mode == CpuMode::Real) return true;
  if (s.mode == CpuMode::Protected && s.cpl <= ((s.eflags >> fl::kIoplShift) & 3)) return true;
  // Consult the I/O permission bitmap of a 32-bit TSS.
  const SegCache& tr = s.tr;
  unsigned type = tr.attr & 0xf;
  if ((type != 9 && type != 11) || tr.limit < 103) return false;
  uint32_t base_off;
  if (!read_lin(tr.base + 102, 2, base_off, kRead)) {
    has_pending_ = false;  // the check fails closed; the caller raises #GP(0)
    return false;
  }
  uint32_t off = base_off + (port >> 3);
  if (uint64_t(off) + 1 > tr.limit) return false;
  uint32_t bits;
  if (!read_lin(tr.base + off, 2, bits, kRead)) {
    has_pending_ = false;
    return false;
  }
  uint32_t mask = ((1u << size) - 1) << (port & 7);
  return (bits & mask) == 0;
}

bool Cpu::debug_translate(uint32_t lin, paddr_t& pa) const {
  WalkResult w = mmu_.debug_walk(lin);
  if (!w.ok) return false;
  pa = w.phys;
  return true;
}

bool Cpu::debug_read(uint32_t lin, void* dst, size_t n) const {
  uint8_t* out = static_cast<uint8_t*>(dst);
  for (size_t k = 0; k < n; ++k) {
    paddr_t pa;
    if (!debug_translate(uint32_t(lin + k), pa)) return false;
    if (!bus_.peek(pa, out[k])) return false;
  }
  return true;
}

bool Cpu::debug_write(uint32_t lin, const void* src, size_t n) {
  const uint8_t* in = static_cast<const uint8_t*>(src);
  for (size_t k = 0; k < n; ++k) {
    paddr_t pa;
    if (!debug_translate(uint32_t(lin + k), pa)) return false;
    if (!bus_.poke(pa, in[k])) return false;   // Bus::poke drops decoded code on the frame
  }
  return true;
}

}  // namespace pvlab
