// A processor's state as bytes: every field of CpuState in declaration order, then what the
// run loop keeps between runs (an event held for delivery, the MOV SS debug hold-off, the
// device deadline) and the MMU. Caches (decoded blocks, the fetch context, the TLB front) are
// not state: load_state() empties them.
//
// To add a field to CpuState: write it in save_state() and read it in load_state() at the same
// place, and raise kSnapshotVersion in frontend/snapshot.h.
#include "cpu/cpu.h"
#include "devices/state_io.h"

namespace pvlab {

namespace {

void save_seg(StateWriter& w, const SegCache& c) {
  w.u16(c.sel);
  w.u16(c.attr);
  w.u32(c.base);
  w.u32(c.limit);
  w.u8(c.valid);
  w.u8(c.readable);
  w.u8(c.writable);
  w.u8(c.expand_down);
}

void load_seg(StateReader& r, SegCache& c) {
  c.sel = r.u16();
  c.attr = r.u16();
  c.base = r.u32();
  c.limit = r.u32();
  c.valid = r.u8();
  c.readable = r.u8();
  c.writable = r.u8();
  c.expand_down = r.u8();
}

void save_msrs(StateWriter& w, const Msrs& m) {
  w.u64(m.efer);
  w.u64(m.sysenter_cs);
  w.u64(m.sysenter_esp);
  w.u64(m.sysenter_eip);
  w.u64(m.apic_base);
  w.u64(m.misc_enable);
  w.i64(m.tsc_offset);
  w.u64(m.pat);
  w.u64(m.mtrr_def_type);
  w.u64(m.bios_sign_id);
  for (uint64_t v : m.perfctr) w.u64(v);
  for (uint64_t v : m.evntsel) w.u64(v);
}

void load_msrs(StateReader& r, Msrs& m) {
  m.efer = r.u64();
  m.sysenter_cs = r.u64();
  m.sysenter_esp = r.u64();
  m.sysenter_eip = r.u64();
  m.apic_base = r.u64();
  m.misc_enable = r.u64();
  m.tsc_offset = r.i64();
  m.pat = r.u64();
  m.mtrr_def_type = r.u64();
  m.bios_sign_id = r.u64();
  for (uint64_t& v : m.perfctr) v = r.u64();
  for (uint64_t& v : m.evntsel) v = r.u64();
}

void save_cpu_state(StateWriter& w, const CpuState& s) {
  for (uint32_t v : s.r) w.u32(v);
  w.u32(s.eip);
  w.u32(s.eflags);
  w.u32(s.lf.res);
  w.u32(s.lf.src1);
  w.u32(s.lf.src2);
  w.u8(uint8_t(s.lf.op));
  w.u8(s.lf.size);
  w.u8(s.lf.carry);
  for (const SegCache& c : s.seg) save_seg(w, c);
  save_seg(w, s.ldtr);
  save_seg(w, s.tr);
  w.u32(s.gdtr.base);
  w.u16(s.gdtr.limit);
  w.u32(s.idtr.base);
  w.u16(s.idtr.limit);
  w.u32(s.cr0);
  w.u32(s.cr2);
  w.u32(s.cr3);
  w.u32(s.cr4);
  for (uint64_t v : s.pdpte) w.u64(v);
  for (uint32_t v : s.dr) w.u32(v);
  save_msrs(w, s.msr);
  w.u8(s.cpl);
  w.u8(uint8_t(s.mode));
  w.u8(s.halted);
  w.u8(s.int_shadow);
  w.u8(s.nmi_blocked);
  w.u64(s.cycles);
  w.u64(s.insns);
}

bool load_cpu_state(StateReader& r, CpuState& s) {
  for (uint32_t& v : s.r) v = r.u32();
  s.eip = r.u32();
  s.eflags = r.u32();
  s.lf.res = r.u32();
  s.lf.src1 = r.u32();
  s.lf.src2 = r.u32();
  const uint8_t op = r.u8();
  r.check(op <= uint8_t(LazyOp::Shr), "lazy flags operation out of range");
  s.lf.op = LazyOp(op);
  s.lf.size = r.u8();
  r.check(s.lf.size == 1 || s.lf.size == 2 || s.lf.size == 4, "lazy flags operand size not 1, 2 or 4");
  s.lf.carry = r.u8();
  for (SegCache& c : s.seg) load_seg(r, c);
  load_seg(r, s.ldtr);
  load_seg(r, s.tr);
  s.gdtr.base = r.u32();
  s.gdtr.limit = r.u16();
  s.idtr.base = r.u32();
  s.idtr.limit = r.u16();
  s.cr0 = r.u32();
  s.cr2 = r.u32();
  s.cr3 = r.u32();
  s.cr4 = r.u32();
  for (uint64_t& v : s.pdpte) v = r.u64();
  for (uint32_t& v : s.dr) v = r.u32();
  load_msrs(r, s.msr);
  s.cpl = r.u8();
  r.check(s.cpl <= 3, "CPL above 3");
  const uint8_t mode = r.u8();
  r.check(mode <= uint8_t(CpuMode::V86), "CPU mode out of range");
  s.mode = CpuMode(mode);
  s.halted = r.u8();
  s.int_shadow = r.u8();
  s.nmi_blocked = r.u8();
  s.cycles = r.u64();
  s.insns = r.u64();
  return r.ok();
}

}  // namespace

void Cpu::save_state(StateWriter& w) const {
  w.tag("CPU_");
  save_cpu_state(w, s);
  w.boolean(has_pending_);
  w.u8(uint8_t(pending_.kind));
  w.u8(pending_.vector);
  w.boolean(pending_.has_error);
  w.u32(pending_.error);
  w.u32(pending_.return_eip);
  w.u32(db_held_);
  w.u64(deadline_);
  mmu_.save(w);
}

bool Cpu::load_state(StateReader& r) {
  if (!r.tag("CPU_")) return false;
  CpuState st;
  if (!load_cpu_state(r, st)) return false;
  const bool has_pending = r.boolean();
  Event ev;
  const uint8_t kind = r.u8();
  if (!r.check(kind <= uint8_t(EventKind::Nmi), "pending event kind out of range")) return false;
  ev.kind = EventKind(kind);
  ev.vector = r.u8();
  ev.has_error = r.boolean();
  ev.error = r.u32();
  ev.return_eip = r.u32();
  const uint32_t db_held = r.u32();
  const uint64_t deadline = r.u64();
  if (!r.ok()) return false;
  s = st;
  pending_ = ev;
  has_pending_ = has_pending;
  db_held_ = db_held;
  deadline_ = deadline;
  stop_ = StopReason::None;
  delivering_ = false;
  if (!mmu_.load(r)) return false;
  // Caches: decoded blocks (and the code marks of RAM), the fetch context.
  flush_blocks();
  fetch_ctx_ = {};
  ++ctx_epoch_;
  align_check_ = (s.cr0 & cr0::AM) && (s.eflags & fl::AC) && s.cpl == 3;
  update_debug_state();
  return true;
}

}  // namespace pvlab
