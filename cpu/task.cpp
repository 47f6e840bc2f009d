// Hardware task switching (Intel SDM vol. 3, "Task Management"): JMP, CALL, IRET with NT, and
// interrupts through task gates, to 32-bit or 16-bit TSSes.
//
// The switch runs in the SDM's order and has one commit point:
//   before it: the new TSS's limit (#TS), reading the whole new TSS, and probing the outgoing
//     TSS and the descriptors for writes. A fault here leaves the old task untouched.
//   the commit: busy bits (cleared on the old task for JMP / IRET, set on the new one unless
//     IRET), the old task's dynamic state saved (NT cleared in the image for IRET), the back
//     link and NT for CALL / interrupts, TR, CR0.TS, CR3, EFLAGS, EIP and the general
//     registers loaded.
//   after it: LDTR, CS, SS, then ES, DS, FS, GS are checked and loaded; a fault here (#TS,
//     #NP, #SS) is raised in the context of the new task, as is #GP when EIP is beyond CS.
#include "cpu/protect.h"

namespace pvlab::prot {

namespace {

// Offsets of the dynamic fields in the two TSS formats.
struct Layout {
  uint32_t eip, eflags, regs, segs, ldt;
  unsigned width;       // bytes per register field
  unsigned nsegs;       // segment selectors saved (ES, CS, SS, DS[, FS, GS])
  uint32_t save_first;  // the range the outgoing task writes
  uint32_t save_last;
  uint32_t min_limit;   // smallest valid TSS limit
};
constexpr Layout kTss32{0x20, 0x24, 0x28, 0x48, 0x60, 4, 6, 0x20, 0x5f, 0x67};
constexpr Layout kTss16{0x0e, 0x10, 0x12, 0x22, 0x2a, 2, 4, 0x0e, 0x29, 0x2b};

struct TssImage {
  uint32_t cr3 = 0, eip = 0, eflags = 0;
  uint32_t r[8] = {};
  uint16_t seg[kNumSeg] = {};
  uint16_t ldt = 0;
};

bool read_image(Cpu& c, uint32_t base, bool t32, TssImage& t) {
  const Layout& l = t32 ? kTss32 : kTss16;
  uint32_t v;
  auto rd = [&](uint32_t off, unsigned size) { return c.read_lin(base + off, size, v, kRead); };
  if (t32) {
    if (!rd(0x1c, 4)) return false;
    t.cr3 = v;
  }
  if (!rd(l.eip, l.width)) return false;
  t.eip = v;
  if (!rd(l.eflags, l.width)) return false;
  t.eflags = v;
  for (unsigned k = 0; k < 8; ++k) {
    if (!rd(l.regs + k * l.width, l.width)) return false;
    // A 16-bit TSS holds only the low halves; the upper halves read as ones.
    t.r[k] = t32 ? v : (v | 0xffff0000u);
  }
  for (unsigned k = 0; k < l.nsegs; ++k) {
    if (!rd(l.segs + k * l.width, 2)) return false;
    t.seg[k] = uint16_t(v);
  }
  if (!rd(l.ldt, 2)) return false;
  t.ldt = uint16_t(v);
  return true;
}

bool save_image(Cpu& c, uint32_t base, bool t32, uint32_t eip, uint32_t eflags) {
  const Layout& l = t32 ? kTss32 : kTss16;
  auto wr = [&](uint32_t off, unsigned size, uint32_t v) {
    return c.write_lin(base + off, size, v, kRead);
  };
  if (!wr(l.eip, l.width, eip) || !wr(l.eflags, l.width, eflags)) return false;
  for (unsigned k = 0; k < 8; ++k)
    if (!wr(l.regs + k * l.width, l.width, c.s.r[k])) return false;
  for (unsigned k = 0; k < l.nsegs; ++k)
    if (!wr(l.segs + k * l.width, 2, c.s.seg[k].sel)) return false;
  return true;
}

// Make sure a write to [lin, lin + n) cannot page-fault half-way.
bool probe_write(Cpu& c, uint32_t lin, uint32_t n) {
  uint32_t v;
  return c.read_lin(lin, 1, v, kWrite) && c.read_lin(lin + n - 1, 1, v, kWrite);
}

uint32_t busy_byte_addr(const Cpu& c, uint16_t sel) { return c.s.gdtr.base + (sel & 0xfff8u) + 5; }

bool set_busy(Cpu& c, uint16_t sel, bool busy) {
  const uint32_t a = busy_byte_addr(c, sel);
  uint32_t b;
  if (!c.read_lin(a, 1, b, kRead)) return false;
  b = busy ? (b | st::kBusy) : (b & ~st::kBusy);
  return c.write_lin(a, 1, b, kRead);
}

// The new task's segment registers, in the SDM's order, each faulting in the new context.
bool load_task_segments(Cpu& c, const TssImage& t, uint32_t ext) {
  CpuState& s = c.s;
  // LDTR first: descriptors of the other registers may live in it.
  s.ldtr = SegCache{};
  const uint16_t ldt = t.ldt;
  if ((ldt & 0xfffc) != 0) {
    const uint32_t err = (ldt & 0xfffcu) | ext;
    if (ldt & 4) return c.raise(exc::TS, err);
    Desc d;
    if (!fetch_gdt(c, ldt, d, exc::TS, ext)) return false;
    if (!d.system() || d.type() != st::kLdt || !d.present()) return c.raise(exc::TS, err);
    Cpu::cache_from_descriptor(s.ldtr, ldt, d.raw);
  } else {
    s.ldtr.sel = ldt;
  }

  if (s.mode == CpuMode::V86) {
    for (unsigned seg = 0; seg < kNumSeg; ++seg) c.load_seg_real(seg, t.seg[seg]);
    return true;
  }

  // CS: a present code segment whose DPL fits the selector's RPL (which becomes CPL).
  const uint16_t cs = t.seg[CS];
  const uint32_t cs_err = (cs & 0xfffcu) | ext;
  if ((cs & 0xfffc) == 0) return c.raise(exc::TS, ext);
  Desc cd;
  if (!fetch(c, cs, cd, exc::TS, ext)) return false;
  const unsigned cpl = cs & 3;
  if (!cd.code()) return c.raise(exc::TS, cs_err);
  if (cd.conforming() ? cd.dpl() > cpl : cd.dpl() != cpl) return c.raise(exc::TS, cs_err);
  if (!cd.present()) return c.raise(exc::NP, cs_err);
  if (!mark_accessed(c, cs, cd)) return false;
  load_cs(c, cs, cd, cpl);

  // SS: writable data with RPL = DPL = CPL.
  const uint16_t ss = t.seg[SS];
  const uint32_t ss_err = (ss & 0xfffcu) | ext;
  if ((ss & 0xfffc) == 0) return c.raise(exc::TS, ext);
  Desc sd;
  if (!fetch(c, ss, sd, exc::TS, ext)) return false;
  if (!sd.writable_data() || (ss & 3) != cpl || sd.dpl() != cpl) return c.raise(exc::TS, ss_err);
  if (!sd.present()) return c.raise(exc::SS, ss_err);
  if (!mark_accessed(c, ss, sd)) return false;
  load_data(c, SS, ss, sd);

  // ES, DS, FS, GS: null, or readable with DPL >= CPL and RPL unless conforming code.
  for (unsigned seg : {ES, DS, FS, GS}) {
    const uint16_t sel = t.seg[seg];
    if ((sel & 0xfffc) == 0) {
      load_null(c, seg);
      c.s.seg[seg].sel = sel;
      continue;
    }
    const uint32_t err = (sel & 0xfffcu) | ext;
    Desc d;
    if (!fetch(c, sel, d, exc::TS, ext)) return false;
    if (!d.readable()) return c.raise(exc::TS, err);
    if (!d.conforming() && (d.dpl() < cpl || d.dpl() < (sel & 3u))) return c.raise(exc::TS, err);
    if (!d.present()) return c.raise(exc::NP, err);
    if (!mark_accessed(c, sel, d)) return false;
    load_data(c, seg, sel, d);
  }
  return true;
}

}  // namespace

bool task_switch(Cpu& c, uint16_t sel, const Desc& nd, TaskSwitch why, uint32_t eip,
                 uint32_t ext, bool rf) {
  CpuState& s = c.s;
  const bool n32 = nd.tss32();
  const Layout& nl = n32 ? kTss32 : kTss16;
  if (nd.limit() < nl.min_limit) return c.raise(exc::TS, (sel & 0xfffcu) | ext);
  const uint32_t nbase = nd.base();
  TssImage img;
  if (!read_image(c, nbase, n32, img)) return false;

  const uint16_t old_sel = s.tr.sel;
  const uint32_t obase = s.tr.base;
  const bool o32 = s.tr.attr & 8;
  const Layout& ol = o32 ? kTss32 : kTss16;
  if (s.tr.limit < ol.save_last) return c.raise(exc::TS, (old_sel & 0xfffcu) | ext);
  const bool nest = why == TaskSwitch::Call || why == TaskSwitch::Int;
  if (!probe_write(c, obase + ol.save_first, ol.save_last - ol.save_first + 1)) return false;
  if (nest && !probe_write(c, nbase, 2)) return false;
  if (!probe_write(c, busy_byte_addr(c, sel), 1)) return false;
  if ((why == TaskSwitch::Jmp || why == TaskSwitch::Iret) &&
      !probe_write(c, busy_byte_addr(c, old_sel), 1))
    return false;

  // ---- commit ----
  materialize(s);
  uint32_t saved_flags = s.eflags | (rf ? fl::RF : 0);
  if (why == TaskSwitch::Iret) saved_flags &= ~fl::NT;
  if (why == TaskSwitch::Jmp || why == TaskSwitch::Iret) {
    if (!set_busy(c, old_sel, false)) return false;
  }
  if (!save_image(c, obase, o32, eip, saved_flags)) return false;
  if (nest) {
    if (!c.write_lin(nbase, 2, old_sel, kRead)) return false;
    img.eflags |= fl::NT;
  }
  if (why != TaskSwitch::Iret && !set_busy(c, sel, true)) return false;

  Cpu::cache_from_descriptor(s.tr, sel, nd.raw | (uint64_t(st::kBusy) << 40));
  s.cr0 |= cr0::TS;
  c.sync_paging();
  // Local breakpoints (L0-L3, LE) belong to the task being left.
  if (s.dr[7] & 0x155) {
    s.dr[7] &= ~0x155u;
    c.update_debug_state();
  }

  if (n32) {
    s.eflags = (img.eflags & fl::kWritable) | fl::kFixed1;
  } else {
    s.eflags = (s.eflags & 0xffff0000u) | (img.eflags & 0xffff & fl::kWritable) | fl::kFixed1;
  }
  s.lf.op = LazyOp::None;
  s.eip = n32 ? img.eip : (img.eip & 0xffff);
  c.next_eip = s.eip;
  for (unsigned k = 0; k < 8; ++k) s.r[k] = img.r[k];
  // Selectors first, unusable until their descriptors pass the checks below.
  for (unsigned seg = 0; seg < kNumSeg; ++seg) {
    s.seg[seg] = SegCache{};
    s.seg[seg].sel = img.seg[seg];
  }
  c.update_mode();
  if (s.mode != CpuMode::V86) c.set_cpl(img.seg[CS] & 3);
  c.end_block();
  if (n32 && !c.write_cr3(img.cr3)) return false;

  if (!load_task_segments(c, img, ext)) return false;
  if (s.eip > s.seg[CS].limit) return c.gp(ext);
  return true;
}

}  // namespace pvlab::prot
