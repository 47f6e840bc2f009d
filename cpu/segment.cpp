// Segment descriptors and segment register loads: data and stack segments for MOV, POP, LDS
// and friends, and the helpers of cpu/protect.h that far transfers, event delivery and task
// switches share (code segment loads, inner stacks from the TSS, checked stack frames).
#include "cpu/protect.h"

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
  prot::Desc d;
  if (!prot::fetch(*this, sel, d, vec)) return false;
  desc = d.raw;
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

namespace prot {

namespace {

bool fetch_from(Cpu& c, uint32_t base, uint32_t limit, uint16_t sel, Desc& d, uint8_t vec,
                uint32_t ext) {
  const uint32_t off = sel & 0xfff8u;
  if (uint64_t(off) + 7 > limit) return c.raise(vec, (sel & 0xfffcu) | ext);
  uint32_t lo, hi;
  if (!c.read_lin(base + off, 4, lo, kRead) || !c.read_lin(base + off + 4, 4, hi, kRead))
    return false;
  d.raw = lo | (uint64_t(hi) << 32);
  return true;
}

}  // namespace

bool fetch(Cpu& c, uint16_t sel, Desc& d, uint8_t vec, uint32_t ext) {
  if (!(sel & 4)) return fetch_from(c, c.s.gdtr.base, c.s.gdtr.limit, sel, d, vec, ext);
  const SegCache& ldt = c.s.ldtr;
  if (!(ldt.attr & sa::P) || (ldt.sel & 0xfffc) == 0) return c.raise(vec, (sel & 0xfffcu) | ext);
  return fetch_from(c, ldt.base, ldt.limit, sel, d, vec, ext);
}

bool fetch_gdt(Cpu& c, uint16_t sel, Desc& d, uint8_t vec, uint32_t ext) {
  if (sel & 4) return c.raise(vec, (sel & 0xfffcu) | ext);
  return fetch_from(c, c.s.gdtr.base, c.s.gdtr.limit, sel, d, vec, ext);
}

bool mark_accessed(Cpu& c, uint16_t sel, Desc& d) {
  if (!c.set_descriptor_accessed(sel, d.raw)) return false;
  d.raw |= 1ull << 40;
  return true;
}

bool within(const SegCache& sc, uint32_t off, unsigned size) {
  if (!sc.valid) return false;
  const uint64_t last = uint64_t(off) + size - 1;
  if (!sc.expand_down) return last <= sc.limit;
  const uint64_t upper = sc.big() ? 0xffffffffull : 0xffffull;
  return off > sc.limit && last <= upper;
}

SegCache cache_of(uint16_t sel, const Desc& d) {
  SegCache sc;
  Cpu::cache_from_descriptor(sc, sel, d.raw);
  Cpu::refresh_cache_flags(sc, CpuMode::Protected);
  return sc;
}

void load_cs(Cpu& c, uint16_t sel, const Desc& d, unsigned cpl) {
  SegCache& cs = c.s.seg[CS];
  Cpu::cache_from_descriptor(cs, uint16_t((sel & 0xfffc) | cpl), d.raw);
  Cpu::refresh_cache_flags(cs, c.s.mode);
  c.set_cpl(uint8_t(cpl));
  c.end_block();
}

void load_data(Cpu& c, unsigned seg, uint16_t sel, const Desc& d) {
  SegCache& sc = c.s.seg[seg];
  Cpu::cache_from_descriptor(sc, sel, d.raw);
  Cpu::refresh_cache_flags(sc, c.s.mode);
  if (seg == SS) c.end_block();
}

void load_null(Cpu& c, unsigned seg) {
  SegCache& sc = c.s.seg[seg];
  sc = SegCache{};
  Cpu::refresh_cache_flags(sc, c.s.mode);
}

void null_inaccessible(Cpu& c) {
  for (unsigned seg : {ES, FS, GS, DS}) {
    const SegCache& sc = c.s.seg[seg];
    const bool conforming_code =
        (sc.attr & sa::S) && (sc.attr & sa::CODE) && (sc.attr & sa::DC);
    if (!conforming_code && sc.dpl() < c.s.cpl) load_null(c, seg);
  }
}

bool tss_stack(Cpu& c, unsigned dpl, uint16_t& ss, uint32_t& esp, uint32_t ext) {
  const SegCache& tr = c.s.tr;
  const uint32_t err = (tr.sel & 0xfffcu) | ext;
  uint32_t v_ss, v_esp;
  if (tr.attr & 8) {  // 32-bit TSS: ESPn at 4 + 8n, SSn at 8 + 8n
    const uint32_t off = dpl * 8 + 4;
    if (off + 5 > tr.limit) return c.raise(exc::TS, err);
    if (!c.read_lin(tr.base + off, 4, v_esp, kRead) ||
        !c.read_lin(tr.base + off + 4, 2, v_ss, kRead))
      return false;
  } else {  // 16-bit TSS: SPn at 2 + 4n, SSn at 4 + 4n
    const uint32_t off = dpl * 4 + 2;
    if (off + 3 > tr.limit) return c.raise(exc::TS, err);
    if (!c.read_lin(tr.base + off, 2, v_esp, kRead) ||
        !c.read_lin(tr.base + off + 2, 2, v_ss, kRead))
      return false;
  }
  ss = uint16_t(v_ss);
  esp = v_esp;
  return true;
}

bool check_tss_ss(Cpu& c, uint16_t ss, unsigned dpl, Desc& d, uint32_t ext) {
  if ((ss & 0xfffc) == 0) return c.raise(exc::TS, ext);
  if (!fetch(c, ss, d, exc::TS, ext)) return false;
  const uint32_t err = (ss & 0xfffcu) | ext;
  if ((ss & 3) != dpl || d.dpl() != dpl || !d.writable_data()) return c.raise(exc::TS, err);
  if (!d.present()) return c.raise(exc::SS, err);
  return true;
}

bool check_return_ss(Cpu& c, uint16_t ss, unsigned rpl, Desc& d) {
  if ((ss & 0xfffc) == 0) return c.gp(0);
  if (!fetch(c, ss, d, exc::GP)) return false;
  if ((ss & 3) != rpl || d.dpl() != rpl || !d.writable_data()) return c.gp(ss & 0xfffc);
  if (!d.present()) return c.raise(exc::SS, ss & 0xfffc);
  return true;
}

bool StackBuilder::fits() const {
  if (overflow_) return false;
  for (unsigned k = 0; k < n_; ++k)
    if (!within(ss_, items_[k].off, items_[k].size)) return false;
  return true;
}

bool StackBuilder::write(Cpu& c) const {
  const unsigned access = user_ ? unsigned(kUser) : 0u;
  for (unsigned k = 0; k < n_; ++k)
    if (!c.write_lin(ss_.base + items_[k].off, items_[k].size, items_[k].v, access)) return false;
  return true;
}

}  // namespace prot

}  // namespace pvlab
