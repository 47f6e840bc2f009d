// Segment descriptors and data/stack segment register loads (MOV, POP, LDS, ...). Far control
// transfers, gates and task switches are in interp/far.cpp.
#include "cpu/cpu.h"

namespace pvlab {

void Cpu::cache_from_descriptor(SegCache& c, uint16_t sel, uint64_t d) {
  uint32_t lo = uint32_t(d), hi = uint32_t(d >> 32);
  c.sel = sel;
  c.base = (lo >> 16) | ((hi & 0xff) << 16) | (hi & 0xff000000u);
  uint32_t limit = (lo & 0xffff) | (hi & 0x000f0000u);
  c.attr = uint16_t(((hi >> 8) & 0xff) | (((hi >> 20) & 0xf) << 8));
  if (c.attr & sa::G) limit = (limit << 12) | 0xfff;
  c.limit = limit;
}

void Cpu::load_seg_real(unsigned seg, uint16_t sel) {
  SegCache& c = s.seg[seg];
  c.sel = sel;
  c.base = uint32_t(sel) << 4;
  if (s.mode == CpuMode::V86) {
    // V86 segments are always 64 KiB, present, writable data at DPL 3 (CS: code).
    c.limit = 0xffff;
    c.attr = sa::P | sa::S | sa::RW | sa::ACCESSED | (3u << sa::kDplShift) |
             (seg == CS ? sa::CODE : 0);
  }
  refresh_cache_flags(c, s.mode);
  if (seg == CS || seg == SS) exit_block_ = true;
}

bool Cpu::read_descriptor(uint16_t sel, uint64_t& desc, uint8_t vec) {
  const bool ldt = sel & 4;
  uint32_t base, limit;
  if (ldt) {
    if (!(s.ldtr.attr & sa::P) || (s.ldtr.sel & ~3u) == 0) return raise(vec, sel & 0xfffc);
    base = s.ldtr.base;
    limit = s.ldtr.limit;
  } else {
    base = s.gdtr.base;
    limit = s.gdtr.limit;
  }
  uint32_t off = sel & 0xfff8u;
  if (uint64_t(off) + 7 > limit) return raise(vec, sel & 0xfffc);
  uint32_t lo, hi;
  if (!read_lin(base + off, 4, lo, kRead) || !read_lin(base + off + 4, 4, hi, kRead)) return false;
  desc = lo | (uint64_t(hi) << 32);
  return true;
}

bool Cpu::set_descriptor_accessed(uint16_t sel, uint64_t desc) {
  if (desc & (1ull << 40)) return true;
  uint32_t base = (sel & 4) ? s.ldtr.base : s.gdtr.base;
  uint32_t addr = base + (sel & 0xfff8u) + 5;
  uint32_t b = uint32_t(desc >> 40) & 0xff;
  return write_lin(addr, 1, b | 1, kRead);
}

bool Cpu::load_seg(unsigned seg, uint16_t sel) {
  if (s.mode != CpuMode::Protected) {
    load_seg_real(seg, sel);
    if (seg == SS) s.int_shadow = 1, exit_block_ = true;
    return true;
  }
  SegCache& c = s.seg[seg];
  const unsigned rpl = sel & 3;
  if ((sel & 0xfffc) == 0) {
    if (seg == SS) return gp(0);  // null SS is never allowed outside 64-bit mode
    c.sel = sel;
    c.attr = 0;
    c.base = 0;
    c.limit = 0;
    refresh_cache_flags(c, s.mode);
    return true;
  }
  uint64_t d;
  if (!read_descriptor(sel, d)) return false;
  SegCache tmp;
  cache_from_descriptor(tmp, sel, d);
  const unsigned dpl = tmp.dpl();
  const bool system = !(tmp.attr & sa::S);
  const bool code = tmp.attr & sa::CODE;
  if (seg == SS) {
    // Writable data with RPL = DPL = CPL.
    if (system || code || !(tmp.attr & sa::RW) || rpl != s.cpl || dpl != s.cpl)
      return gp(sel & 0xfffc);
    if (!(tmp.attr & sa::P)) return raise(exc::SS, sel & 0xfffc);
  } else {
    // Data or readable code; unless conforming code, DPL >= max(CPL, RPL).
    if (system || (code && !(tmp.attr & sa::RW))) return gp(sel & 0xfffc);
    const bool conforming = code && (tmp.attr & sa::DC);
    if (!conforming && (rpl > dpl || s.cpl > dpl)) return gp(sel & 0xfffc);
    if (!(tmp.attr & sa::P)) return raise(exc::NP, sel & 0xfffc);
  }
  if (!set_descriptor_accessed(sel, d)) return false;
  tmp.attr |= sa::ACCESSED;
  refresh_cache_flags(tmp, s.mode);
  c = tmp;
  if (seg == SS) {
    s.int_shadow = 1;
    exit_block_ = true;
  }
  return true;
}

}  // namespace pvlab
