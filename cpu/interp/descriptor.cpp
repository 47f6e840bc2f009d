// Descriptor-table registers and selector inspection: LGDT/LIDT/SGDT/SIDT, LLDT/SLDT,
// LTR/STR, LAR, LSL, VERR/VERW and ARPL.
//
// LGDT and LIDT are privileged (CPL 0, any mode). SGDT and SIDT are not (P6 has no UMIP).
// The selector instructions exist only in protected mode: real and virtual-8086 mode raise
// #UD. LAR, LSL, VERR and VERW never fault on a bad selector: they answer in ZF.
#include "cpu/interp/groups.h"

namespace pvlab::interp {

namespace {

uint32_t add_offset(const Insn& i, uint32_t off, uint32_t k) {
  return i.asize == 2 ? ((off + k) & 0xffff) : off + k;
}

// ---- GDTR / IDTR ---------------------------------------------------------------------------

// LGDT / LIDT: a 16-bit limit and a 32-bit base; with a 16-bit operand size only 24 bits of
// the base are used.
bool load_table(Cpu& c, const Insn& i, DescTable& t) {
  if (c.s.cpl != 0) return c.gp(0);
  const uint32_t off = c.ea(i);
  uint32_t limit, base;
  if (!c.read(i.mem.seg, off, 2, limit) || !c.read(i.mem.seg, add_offset(i, off, 2), 4, base))
    return false;
  if (i.osize == 2) base &= 0xffffff;
  t.base = base;
  t.limit = uint16_t(limit);
  return true;
}

// SGDT / SIDT: the limit, then the base; with a 16-bit operand size the high byte of the
// stored base is zero. Both pages are checked before anything is written.
bool store_table(Cpu& c, const Insn& i, const DescTable& t) {
  const uint32_t off = c.ea(i);
  uint32_t lin;
  if (!c.seg_check(i.mem.seg, off, 6, 2, lin)) return false;
  uint32_t err;
  if (!c.mmu().translate(lin, kWrite | c.user_access(), err)) return c.page_fault(lin, err);
  const uint32_t base = i.osize == 2 ? (t.base & 0xffffff) : t.base;
  return c.write(i.mem.seg, add_offset(i, off, 2), 4, base) &&
         c.write(i.mem.seg, off, 2, t.limit);
}

bool lgdt(Cpu& c, const Insn& i) { return load_table(c, i, c.s.gdtr); }
bool lidt(Cpu& c, const Insn& i) { return load_table(c, i, c.s.idtr); }
bool sgdt(Cpu& c, const Insn& i) { return store_table(c, i, c.s.gdtr); }
bool sidt(Cpu& c, const Insn& i) { return store_table(c, i, c.s.idtr); }

// ---- LDTR / TR -----------------------------------------------------------------------------

constexpr unsigned kTypeLdt = 2, kTypeTss16 = 1, kTypeTss32 = 9, kBusy = 2;

unsigned sys_type(const SegCache& d) { return d.attr & 0xf; }

bool lldt(Cpu& c, const Insn& i) {
  if (c.s.mode != CpuMode::Protected) return c.ud();
  if (c.s.cpl != 0) return c.gp(0);
  uint32_t v;
  if (!c.load(i, 0, v)) return false;
  const uint16_t sel = uint16_t(v);
  if ((sel & 0xfffc) == 0) {
    // A null selector leaves LDTR unusable: LDT references then fault.
    c.s.ldtr.sel = sel;
    c.s.ldtr.attr = 0;
    return true;
  }
  if (sel & 4) return c.gp(sel & 0xfffc);
  uint64_t d;
  if (!c.read_descriptor(sel, d)) return false;
  SegCache tmp;
  Cpu::cache_from_descriptor(tmp, sel, d);
  if ((tmp.attr & sa::S) || sys_type(tmp) != kTypeLdt) return c.gp(sel & 0xfffc);
  if (!(tmp.attr & sa::P)) return c.raise(exc::NP, sel & 0xfffc);
  c.s.ldtr = tmp;
  return true;
}

// LTR: an available TSS from the GDT; the descriptor is marked busy in memory and in TR.
bool ltr(Cpu& c, const Insn& i) {
  if (c.s.mode != CpuMode::Protected) return c.ud();
  if (c.s.cpl != 0) return c.gp(0);
  uint32_t v;
  if (!c.load(i, 0, v)) return false;
  const uint16_t sel = uint16_t(v);
  if ((sel & 0xfffc) == 0) return c.gp(0);
  if (sel & 4) return c.gp(sel & 0xfffc);
  uint64_t d;
  if (!c.read_descriptor(sel, d)) return false;
  SegCache tmp;
  Cpu::cache_from_descriptor(tmp, sel, d);
  const unsigned type = sys_type(tmp);
  if ((tmp.attr & sa::S) || (type != kTypeTss16 && type != kTypeTss32))
    return c.gp(sel & 0xfffc);
  if (!(tmp.attr & sa::P)) return c.raise(exc::NP, sel & 0xfffc);
  const uint32_t type_byte = c.s.gdtr.base + (sel & 0xfff8u) + 5;
  if (!c.write_lin(type_byte, 1, uint32_t(d >> 40) | kBusy, kRead)) return false;
  tmp.attr |= kBusy;
  c.s.tr = tmp;
  return true;
}

// SLDT / STR: a memory destination gets 16 bits; a 32-bit register gets the selector
// zero-extended.
bool sldt(Cpu& c, const Insn& i) {
  if (c.s.mode != CpuMode::Protected) return c.ud();
  return c.store(i, 0, c.s.ldtr.sel);
}

bool str(Cpu& c, const Insn& i) {
  if (c.s.mode != CpuMode::Protected) return c.ud();
  return c.store(i, 0, c.s.tr.sel);
}

// ---- LAR / LSL / VERR / VERW / ARPL --------------------------------------------------------

// The descriptor `sel` names, when the selector is not null and lies inside its table
// (`found`). Returns false only when reading the table faulted (#PF pending).
bool peek_descriptor(Cpu& c, uint16_t sel, bool& found, uint64_t& d) {
  found = false;
  if ((sel & 0xfffc) == 0) return true;
  uint32_t base, limit;
  if (sel & 4) {
    if (!(c.s.ldtr.attr & sa::P) || (c.s.ldtr.sel & 0xfffc) == 0) return true;
    base = c.s.ldtr.base;
    limit = c.s.ldtr.limit;
  } else {
    base = c.s.gdtr.base;
    limit = c.s.gdtr.limit;
  }
  const uint32_t off = sel & 0xfff8u;
  if (uint64_t(off) + 7 > limit) return true;
  uint32_t lo, hi;
  if (!c.read_lin(base + off, 4, lo, kRead) || !c.read_lin(base + off + 4, 4, hi, kRead))
    return false;
  d = lo | (uint64_t(hi) << 32);
  found = true;
  return true;
}

void set_zf(Cpu& c, bool zf) {
  materialize(c.s);
  if (zf) c.s.eflags |= fl::ZF;
  else c.s.eflags &= ~fl::ZF;
}

// DPL >= CPL and DPL >= RPL, the test LAR, LSL, VERR and VERW apply to all but conforming code.
bool visible(const Cpu& c, const SegCache& d, uint16_t sel) {
  return d.dpl() >= c.s.cpl && d.dpl() >= (sel & 3u);
}

bool conforming_code(const SegCache& d) {
  return (d.attr & sa::S) && (d.attr & sa::CODE) && (d.attr & sa::DC);
}

// Which system descriptor types LAR (kLar) or LSL may report.
bool system_type_ok(unsigned type, bool lar) {
  switch (type) {
    case 1: case 2: case 3: case 9: case 11: return true;   // TSSs and the LDT
    case 4: case 5: case 12: return lar;                    // call and task gates
    default: return false;
  }
}

// LAR and LSL: the selector's access rights or limit when the descriptor passes the checks.
template <bool kLar>
bool lar_lsl(Cpu& c, const Insn& i) {
  if (c.s.mode != CpuMode::Protected) return c.ud();
  uint32_t v;
  if (!c.load(i, 1, v)) return false;
  const uint16_t sel = uint16_t(v);
  bool found;
  uint64_t d;
  if (!peek_descriptor(c, sel, found, d)) return false;
  SegCache seg;
  bool ok = found;
  if (ok) {
    Cpu::cache_from_descriptor(seg, sel, d);
    if (!(seg.attr & sa::S)) ok = system_type_ok(sys_type(seg), kLar);
    if (ok && !conforming_code(seg)) ok = visible(c, seg, sel);
  }
  if (ok) {
    uint32_t r;
    if constexpr (kLar) r = uint32_t(d >> 32) & (i.osize == 2 ? 0xff00u : 0x00f0ff00u);
    else r = seg.limit;
    if (i.osize == 2) r &= 0xffff;
    c.set_reg(i.op[0].reg, i.osize, r);
  }
  set_zf(c, ok);
  return true;
}

// VERR / VERW: may the selector be read (data, or readable code) / written (writable data)
// at the current privilege?
template <bool kWriteCheck>
bool verify(Cpu& c, const Insn& i) {
  if (c.s.mode != CpuMode::Protected) return c.ud();
  uint32_t v;
  if (!c.load(i, 0, v)) return false;
  const uint16_t sel = uint16_t(v);
  bool found;
  uint64_t d;
  if (!peek_descriptor(c, sel, found, d)) return false;
  bool ok = false;
  if (found) {
    SegCache seg;
    Cpu::cache_from_descriptor(seg, sel, d);
    if (seg.attr & sa::S) {
      const bool code = seg.attr & sa::CODE;
      const bool rw = seg.attr & sa::RW;
      if (kWriteCheck) ok = !code && rw && visible(c, seg, sel);
      else if (code) ok = rw && (conforming_code(seg) || visible(c, seg, sel));
      else ok = visible(c, seg, sel);
    }
  }
  set_zf(c, ok);
  return true;
}

// ARPL: raise the destination selector's RPL to the source's; ZF says whether it changed. The
// destination is read plainly: it is written (and can fault as a write) only when it changes.
bool arpl(Cpu& c, const Insn& i) {
  if (c.s.mode != CpuMode::Protected) return c.ud();
  uint32_t dst, src;
  if (!c.load(i, 0, dst) || !c.load(i, 1, src)) return false;
  const bool raise_rpl = (dst & 3) < (src & 3);
  if (raise_rpl && !c.store(i, 0, (dst & ~3u) | (src & 3))) return false;
  set_zf(c, raise_rpl);
  return true;
}

}  // namespace

void register_descriptor(OpTable& t) {
  t.set(ZYDIS_MNEMONIC_LGDT, lgdt, 0, 8);
  t.set(ZYDIS_MNEMONIC_LIDT, lidt, 0, 8);
  t.set(ZYDIS_MNEMONIC_SGDT, sgdt, 0, 4);
  t.set(ZYDIS_MNEMONIC_SIDT, sidt, 0, 4);
  t.set(ZYDIS_MNEMONIC_LLDT, lldt, 0, 8);
  t.set(ZYDIS_MNEMONIC_SLDT, sldt, 0, 2);
  t.set(ZYDIS_MNEMONIC_LTR, ltr, 0, 8);
  t.set(ZYDIS_MNEMONIC_STR, str, 0, 2);
  t.set(ZYDIS_MNEMONIC_LAR, lar_lsl<true>, 0, 8);
  t.set(ZYDIS_MNEMONIC_LSL, lar_lsl<false>, 0, 8);
  t.set(ZYDIS_MNEMONIC_VERR, verify<false>, 0, 8);
  t.set(ZYDIS_MNEMONIC_VERW, verify<true>, 0, 8);
  t.set(ZYDIS_MNEMONIC_ARPL, arpl, 0, 4);
}

}  // namespace pvlab::interp
