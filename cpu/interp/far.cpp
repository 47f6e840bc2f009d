// Far control transfers (Intel SDM vol. 2 pseudocode of JMP, CALL, RET, INT n, IRET): far JMP
// and CALL through code segments, call gates, task gates and TSS descriptors; far RET to the
// same or an outer ring; INT n / INT3 / INTO / INT1; IRET in real mode, protected mode, to and
// from virtual-8086 mode, and back through a nested task's link. In real and V86 mode far
// JMP / CALL / RET load CS the real way.
//
// Each handler checks everything first and commits last (see cpu/protect.h), so a fault leaves
// the instruction restartable.
#include "cpu/interp/forms.h"
#include "cpu/interp/groups.h"
#include "cpu/protect.h"

namespace pvlab::interp {

using prot::Desc;
using prot::TaskSwitch;

namespace {

bool pm(const Cpu& c) { return c.s.mode == CpuMode::Protected; }
unsigned iopl(const Cpu& c) { return (c.s.eflags >> fl::kIoplShift) & 3; }

// The far pointer operand: ptr16:16 / ptr16:32 immediate or m16:16 / m16:32 in memory.
bool far_pointer(Cpu& c, const Insn& i, uint32_t& off, uint16_t& sel) {
  if (i.op[0].kind == OpKind::Ptr) {
    off = i.imm;
    sel = uint16_t(i.imm2);
  } else if (i.op[0].kind == OpKind::Mem) {
    const uint32_t a = c.ea(i);
    uint32_t v;
    if (!c.read(i.mem.seg, a, i.osize, off) || !c.read(i.mem.seg, a + i.osize, 2, v)) return false;
    sel = uint16_t(v);
  } else {
    return c.ud();
  }
  if (i.osize == 2) off &= 0xffff;
  return true;
}

// Real mode and V86: CS <- sel the real way, within the current CS limit.
bool jump_real(Cpu& c, uint16_t sel, uint32_t off) {
  if (off > c.s.seg[CS].limit) return c.gp(0);
  c.load_seg_real(CS, sel);
  c.next_eip = off;
  return true;
}

// Direct transfer to a code segment at the current privilege level (JMP / CALL).
bool check_direct_code(Cpu& c, uint16_t sel, const Desc& d) {
  const unsigned cpl = c.s.cpl, rpl = sel & 3;
  if (d.conforming() ? d.dpl() > cpl : (rpl > cpl || d.dpl() != cpl)) return c.gp(sel & 0xfffc);
  if (!d.present()) return c.raise(exc::NP, sel & 0xfffc);
  return true;
}

// A call or jump gate's target code segment. `call` allows a more privileged non-conforming
// target (CALL); JMP needs DPL = CPL for non-conforming code.
bool gate_target(Cpu& c, const Desc& gate, uint16_t& cs, Desc& cd, bool call) {
  cs = gate.gate_selector();
  if ((cs & 0xfffc) == 0) return c.gp(0);
  if (!prot::fetch(c, cs, cd, exc::GP)) return false;
  const unsigned cpl = c.s.cpl;
  bool bad = !cd.code();
  if (!bad) {
    if (call) bad = cd.dpl() > cpl;
    else bad = cd.conforming() ? cd.dpl() > cpl : cd.dpl() != cpl;
  }
  if (bad) return c.gp(cs & 0xfffc);
  if (!cd.present()) return c.raise(exc::NP, cs & 0xfffc);
  return true;
}

// Gate or TSS descriptor named by JMP / CALL: DPL >= max(CPL, RPL), present.
bool check_system_target(Cpu& c, uint16_t sel, const Desc& d) {
  if (d.dpl() < c.s.cpl || d.dpl() < (sel & 3u)) return c.gp(sel & 0xfffc);
  if (!d.present()) return c.raise(exc::NP, sel & 0xfffc);
  return true;
}

// Task switch for JMP / CALL to an available TSS, named directly or by a task gate.
bool switch_to(Cpu& c, uint16_t tss, const Desc* direct, TaskSwitch why) {
  Desc td;
  if (direct) {
    td = *direct;
  } else if (!prot::fetch_gdt(c, tss, td, exc::GP)) {
    return false;
  }
  if (!td.tss() || td.busy()) return c.gp(tss & 0xfffc);
  if (!td.present()) return c.raise(exc::NP, tss & 0xfffc);
  return prot::task_switch(c, tss, td, why, c.next_eip);
}

// Commit a transfer to code segment `cs` at offset `off` keeping CPL; pushes (CALL) are in `st`.
bool transfer_same_ring(Cpu& c, uint16_t cs, Desc& cd, uint32_t off, prot::StackBuilder* st) {
  if (st && !st->fits()) return c.raise(exc::SS, 0);
  if (off > cd.limit()) return c.gp(0);
  if (!prot::mark_accessed(c, cs, cd)) return false;
  if (st) {
    if (!st->write(c)) return false;
    c.s.r[ESP] = st->esp();
  }
  prot::load_cs(c, cs, cd, c.s.cpl);
  c.next_eip = off;
  return true;
}

bool jmp_far(Cpu& c, const Insn& i) {
  uint32_t off;
  uint16_t sel;
  if (!far_pointer(c, i, off, sel)) return false;
  if (!pm(c)) return jump_real(c, sel, off);
  if ((sel & 0xfffc) == 0) return c.gp(0);
  Desc d;
  if (!prot::fetch(c, sel, d, exc::GP)) return false;
  if (d.code()) {
    if (!check_direct_code(c, sel, d)) return false;
    return transfer_same_ring(c, sel, d, off, nullptr);
  }
  if (!d.system()) return c.gp(sel & 0xfffc);
  switch (d.type()) {
    case prot::st::kCall16:
    case prot::st::kCall32: {
      if (!check_system_target(c, sel, d)) return false;
      uint16_t cs;
      Desc cd;
      if (!gate_target(c, d, cs, cd, false)) return false;
      return transfer_same_ring(c, cs, cd, d.gate_offset(), nullptr);
    }
    case prot::st::kTaskGate:
      if (!check_system_target(c, sel, d)) return false;
      return switch_to(c, d.gate_selector(), nullptr, TaskSwitch::Jmp);
    case prot::st::kTss16:
    case prot::st::kTss32:
      if (!check_system_target(c, sel, d)) return false;
      return switch_to(c, sel, &d, TaskSwitch::Jmp);
    default:
      return c.gp(sel & 0xfffc);
  }
}

// CALL through a call gate to a more privileged non-conforming segment: the new stack comes
// from the TSS; the old SS:ESP, the gate's parameter count of words or dwords, and CS:EIP are
// pushed on it.
bool call_inner(Cpu& c, const Desc& gate, uint16_t cs, Desc& cd) {
  const unsigned ncpl = cd.dpl();
  const unsigned size = gate.gate32() ? 4 : 2;
  uint16_t nss;
  uint32_t nesp;
  if (!prot::tss_stack(c, ncpl, nss, nesp, 0)) return false;
  Desc sd;
  if (!prot::check_tss_ss(c, nss, ncpl, sd, 0)) return false;
  prot::StackBuilder st(prot::cache_of(nss, sd), nesp, ncpl);
  st.push(c.s.seg[SS].sel, size);
  st.push(c.s.r[ESP], size);
  for (unsigned k = gate.gate_params(); k-- > 0;) {
    uint32_t v;
    if (!c.stack_read(k * size, size, v)) return false;
    st.push(v, size);
  }
  st.push(c.s.seg[CS].sel, size);
  st.push(c.next_eip, size);
  if (!st.fits()) return c.raise(exc::SS, nss & 0xfffc);
  const uint32_t target = gate.gate_offset();
  if (target > cd.limit()) return c.gp(0);
  if (!prot::mark_accessed(c, nss, sd) || !prot::mark_accessed(c, cs, cd)) return false;
  if (!st.write(c)) return false;
  prot::load_data(c, SS, nss, sd);
  c.s.r[ESP] = st.esp();
  prot::load_cs(c, cs, cd, ncpl);
  c.next_eip = target;
  return true;
}

bool call_far(Cpu& c, const Insn& i) {
  uint32_t off;
  uint16_t sel;
  if (!far_pointer(c, i, off, sel)) return false;
  if (!pm(c)) {
    // Real / V86: push CS and IP, then load CS the real way.
    if (off > c.s.seg[CS].limit) return c.gp(0);
    const unsigned n = i.osize;
    if (!c.stack_write(uint32_t(-int32_t(n)), n, c.s.seg[CS].sel) ||
        !c.stack_write(uint32_t(-2 * int32_t(n)), n, c.next_eip))
      return false;
    c.set_sp(c.sp() - 2 * n);
    c.load_seg_real(CS, sel);
    c.next_eip = off;
    return true;
  }
  if ((sel & 0xfffc) == 0) return c.gp(0);
  Desc d;
  if (!prot::fetch(c, sel, d, exc::GP)) return false;
  if (d.code()) {
    if (!check_direct_code(c, sel, d)) return false;
    prot::StackBuilder st(c.s.seg[SS], c.s.r[ESP], c.s.cpl);
    st.push(c.s.seg[CS].sel, i.osize);
    st.push(c.next_eip, i.osize);
    return transfer_same_ring(c, sel, d, off, &st);
  }
  if (!d.system()) return c.gp(sel & 0xfffc);
  switch (d.type()) {
    case prot::st::kCall16:
    case prot::st::kCall32: {
      if (!check_system_target(c, sel, d)) return false;
      uint16_t cs;
      Desc cd;
      if (!gate_target(c, d, cs, cd, true)) return false;
      if (!cd.conforming() && cd.dpl() < c.s.cpl) return call_inner(c, d, cs, cd);
      const unsigned size = d.gate32() ? 4 : 2;
      prot::StackBuilder st(c.s.seg[SS], c.s.r[ESP], c.s.cpl);
      st.push(c.s.seg[CS].sel, size);
      st.push(c.next_eip, size);
      return transfer_same_ring(c, cs, cd, d.gate_offset(), &st);
    }
    case prot::st::kTaskGate:
      if (!check_system_target(c, sel, d)) return false;
      return switch_to(c, d.gate_selector(), nullptr, TaskSwitch::Call);
    case prot::st::kTss16:
    case prot::st::kTss32:
      if (!check_system_target(c, sel, d)) return false;
      return switch_to(c, sel, &d, TaskSwitch::Call);
    default:
      return c.gp(sel & 0xfffc);
  }
}

// The return code segment of RETF / IRET in protected mode: RPL >= CPL, DPL rules, present.
bool check_return_cs(Cpu& c, uint16_t sel, Desc& d) {
  if ((sel & 0xfffc) == 0) return c.gp(0);
  if (!prot::fetch(c, sel, d, exc::GP)) return false;
  const unsigned rpl = sel & 3;
  if (!d.code() || rpl < c.s.cpl) return c.gp(sel & 0xfffc);
  if (d.conforming() ? d.dpl() > rpl : d.dpl() != rpl) return c.gp(sel & 0xfffc);
  if (!d.present()) return c.raise(exc::NP, sel & 0xfffc);
  return true;
}

// ESP after loading a popped `value` of `size` bytes into a stack of segment `ss`.
void set_popped_esp(Cpu& c, uint32_t value) {
  if (c.s.seg[SS].big()) c.s.r[ESP] = value;
  else c.s.r[ESP] = (c.s.r[ESP] & 0xffff0000u) | (value & 0xffff);
}

// The part of a return to an outer ring after CS:EIP was popped: SS:ESP from the stack at
// `at`, checked; then the commit. `commit_extra` runs between the checks and the loads.
struct OuterReturn {
  uint16_t ss;
  uint32_t esp;
  Desc sd;
};

bool read_outer(Cpu& c, uint32_t at, unsigned size, unsigned rpl, OuterReturn& o) {
  uint32_t esp, ss;
  if (!c.stack_read(at, size, esp) || !c.stack_read(at + size, size, ss)) return false;
  o.ss = uint16_t(ss);
  o.esp = size == 2 ? (esp & 0xffff) : esp;
  return prot::check_return_ss(c, o.ss, rpl, o.sd);
}

void commit_outer(Cpu& c, uint16_t cs, const Desc& cd, OuterReturn& o, uint32_t extra) {
  const unsigned rpl = cs & 3;
  prot::load_cs(c, cs, cd, rpl);
  prot::load_data(c, SS, o.ss, o.sd);
  set_popped_esp(c, o.esp + extra);
  prot::null_inaccessible(c);
}

bool retf(Cpu& c, const Insn& i) {
  const unsigned n = i.osize;
  const uint32_t extra = i.nops ? (i.imm & 0xffff) : 0;
  uint32_t off, csv;
  if (!c.stack_read(0, n, off) || !c.stack_read(n, n, csv)) return false;
  if (n == 2) off &= 0xffff;
  const uint16_t sel = uint16_t(csv);
  if (!pm(c)) {
    if (off > c.s.seg[CS].limit) return c.gp(0);
    c.load_seg_real(CS, sel);
    c.set_sp(c.sp() + 2 * n + extra);
    c.next_eip = off;
    return true;
  }
  Desc cd;
  if (!check_return_cs(c, sel, cd)) return false;
  const unsigned rpl = sel & 3;
  if (rpl == c.s.cpl) {
    if (off > cd.limit()) return c.gp(0);
    if (!prot::mark_accessed(c, sel, cd)) return false;
    c.set_sp(c.sp() + 2 * n + extra);
    prot::load_cs(c, sel, cd, rpl);
    c.next_eip = off;
    return true;
  }
  OuterReturn o;
  if (!read_outer(c, 2 * n + extra, n, rpl, o)) return false;
  if (off > cd.limit()) return c.gp(0);
  if (!prot::mark_accessed(c, sel, cd) || !prot::mark_accessed(c, o.ss, o.sd)) return false;
  commit_outer(c, sel, cd, o, extra);
  c.next_eip = off;
  return true;
}

// ---- INT n, INT3, INTO, INT1 ---------------------------------------------------------------

bool deliver_soft(Cpu& c, EventKind kind, uint8_t vector) {
  // Cpu::deliver handles nested faults itself (up to a triple fault); the instruction is done.
  if (!c.deliver({kind, vector, false, 0, c.next_eip})) c.next_eip = c.s.eip;
  return true;
}

// CR4.VME: whether INT n from V86 mode goes to the V86 program's own interrupt vector table.
// Bit n of the interrupt redirection bitmap (the 32 bytes just below the I/O map base in the
// TSS) clear means it does.
bool v86_int_redirected(Cpu& c, uint8_t vec, bool& redirected) {
  redirected = false;
  if (!(c.s.cr4 & cr4::VME)) return true;
  const SegCache& tr = c.s.tr;
  uint32_t iomap;
  if (tr.limit < 103) return c.gp(0);
  if (!c.read_lin(tr.base + 102, 2, iomap, kRead)) return false;
  const uint32_t off = iomap - 32 + vec / 8;
  if (iomap < 32 || off > tr.limit) return c.gp(0);
  uint32_t bits;
  if (!c.read_lin(tr.base + off, 1, bits, kRead)) return false;
  redirected = !((bits >> (vec & 7)) & 1);
  return true;
}

// A redirected INT n: FLAGS, CS and IP go on the V86 stack and CS:IP come from the vector
// table at linear 0, as in real mode. Below IOPL 3 the FLAGS image carries VIF as IF and
// IOPL 3, and VIF (not IF) is cleared.
bool v86_redirect(Cpu& c, uint8_t vec) {
  uint32_t ivt;
  if (!c.read_lin(uint32_t(vec) * 4, 4, ivt, c.user_access())) return false;
  const bool virt = iopl(c) < 3;
  uint32_t f = c.flags() & 0xffff;
  if (virt) f = (f & ~fl::IF) | ((c.s.eflags & fl::VIF) ? fl::IF : 0) | fl::IOPL;
  const uint32_t sp0 = c.sp();
  if (!c.push(f, 2) || !c.push(c.s.seg[CS].sel, 2) || !c.push(c.next_eip & 0xffff, 2)) {
    c.set_sp(sp0);
    return false;
  }
  c.s.eflags &= ~(fl::TF | (virt ? fl::VIF : fl::IF));
  c.load_seg_real(CS, uint16_t(ivt >> 16));
  c.next_eip = ivt & 0xffff;
  return true;
}

bool int_n(Cpu& c, const Insn& i) {
  const uint8_t vec = uint8_t(i.imm);
  if (c.v86()) {
    bool redirected;
    if (!v86_int_redirected(c, vec, redirected)) return false;
    if (redirected) return v86_redirect(c, vec);
    if (iopl(c) < 3) return c.gp(0);
  }
  return deliver_soft(c, EventKind::SoftInt, vec);
}

bool int3(Cpu& c, const Insn&) { return deliver_soft(c, EventKind::Int3, exc::BP); }

bool into(Cpu& c, const Insn&) {
  if (!get_of(c.s)) return true;
  return deliver_soft(c, EventKind::Trap, exc::OF);
}

// INT1 (ICEBP): a #DB trap delivered like a hardware event, without the gate DPL check.
bool int1(Cpu& c, const Insn&) { return deliver_soft(c, EventKind::Trap, exc::DB); }

// ---- IRET ----------------------------------------------------------------------------------

bool iret_real(Cpu& c, unsigned n, uint32_t eip, uint16_t cs, uint32_t f) {
  if (eip > c.s.seg[CS].limit) return c.gp(0);
  c.set_sp(c.sp() + 3 * n);
  c.load_seg_real(CS, cs);
  // VM, VIF and VIP keep their values.
  c.set_flags(f, n == 4 ? (fl::kWritable & ~(fl::VM | fl::VIF | fl::VIP)) : 0xffffu);
  c.next_eip = eip;
  return true;
}

bool iret_from_v86(Cpu& c, unsigned n, uint32_t eip, uint16_t cs, uint32_t f) {
  if (iopl(c) < 3) {
    // CR4.VME: a 16-bit IRET below IOPL 3 returns with the popped IF going to VIF, unless
    // it would set TF, or enable interrupts while one is pending (VIP).
    if (!(c.s.cr4 & cr4::VME) || n != 2) return c.gp(0);
    if ((f & fl::TF) || ((f & fl::IF) && (c.s.eflags & fl::VIP))) return c.gp(0);
    if (eip > c.s.seg[CS].limit) return c.gp(0);
    c.set_sp(c.sp() + 3 * n);
    c.load_seg_real(CS, cs);
    const uint32_t vif = (f & fl::IF) ? fl::VIF : 0;
    c.set_flags(f, 0xffffu & ~(fl::IOPL | fl::IF));
    c.s.eflags = (c.s.eflags & ~fl::VIF) | vif;
    c.next_eip = eip;
    return true;
  }
  if (eip > c.s.seg[CS].limit) return c.gp(0);
  c.set_sp(c.sp() + 3 * n);
  c.load_seg_real(CS, cs);
  // IOPL, VM, VIF and VIP cannot change from inside V86 mode.
  const uint32_t keep = fl::IOPL | fl::VM | fl::VIF | fl::VIP;
  c.set_flags(f, (n == 4 ? fl::kWritable : 0xffffu) & ~keep);
  c.next_eip = eip;
  return true;
}

// From ring 0 with VM set in the popped EFLAGS: ESP, SS, ES, DS, FS, GS follow on the stack.
bool iret_to_v86(Cpu& c, uint32_t eip, uint16_t cs, uint32_t f) {
  uint32_t v[6];  // ESP, SS, ES, DS, FS, GS
  for (unsigned k = 0; k < 6; ++k)
    if (!c.stack_read(12 + 4 * k, 4, v[k])) return false;
  c.set_flags(f, fl::kWritable);  // VM set: the mode is now V86, CPL 3
  c.load_seg_real(CS, cs);
  c.load_seg_real(SS, uint16_t(v[1]));
  c.load_seg_real(ES, uint16_t(v[2]));
  c.load_seg_real(DS, uint16_t(v[3]));
  c.load_seg_real(FS, uint16_t(v[4]));
  c.load_seg_real(GS, uint16_t(v[5]));
  c.s.r[ESP] = v[0];
  c.next_eip = eip & 0xffff;
  return true;
}

// NT set: return to the task in the current TSS's back link.
bool iret_task(Cpu& c) {
  uint32_t link;
  if (!c.read_lin(c.s.tr.base, 2, link, kRead)) return false;
  const uint16_t sel = uint16_t(link);
  Desc d;
  if (!prot::fetch_gdt(c, sel, d, exc::TS)) return false;
  if (!d.tss() || !d.busy()) return c.raise(exc::TS, sel & 0xfffc);
  if (!d.present()) return c.raise(exc::NP, sel & 0xfffc);
  return prot::task_switch(c, sel, d, TaskSwitch::Iret, c.next_eip);
}

bool iret(Cpu& c, const Insn& i) {
  if (pm(c) && (c.s.eflags & fl::NT)) return iret_task(c);
  const unsigned n = i.osize;
  uint32_t eip, csv, f;
  paddr_t pa;
  if (const uint8_t* p = n == 4 ? form::stack_host(c, 0, 12, false, pa, 3) : nullptr) {
    eip = Cpu::load_host(p, 4);  // the three reads below, none of which can fail
    csv = Cpu::load_host(p + 4, 4);
    f = Cpu::load_host(p + 8, 4);
  } else if (!c.stack_read(0, n, eip) || !c.stack_read(n, n, csv) ||
             !c.stack_read(2 * n, n, f)) {
    return false;
  }
  if (n == 2) eip &= 0xffff;
  const uint16_t sel = uint16_t(csv);
  if (c.s.mode == CpuMode::Real) return iret_real(c, n, eip, sel, f);
  if (c.v86()) return iret_from_v86(c, n, eip, sel, f);
  if (n == 4 && (f & fl::VM) && c.s.cpl == 0) return iret_to_v86(c, eip, sel, f);

  Desc cd;
  if (!check_return_cs(c, sel, cd)) return false;
  // EFLAGS bits the return may change, decided by the CPL before the return.
  const unsigned cpl = c.s.cpl;
  uint32_t mask = fl::kArith | fl::TF | fl::DF | fl::NT;
  if (n == 4) mask |= fl::RF | fl::AC | fl::ID;
  if (cpl <= iopl(c)) mask |= fl::IF;
  if (cpl == 0) mask |= fl::IOPL | (n == 4 ? fl::VIF | fl::VIP : 0);

  const unsigned rpl = sel & 3;
  if (rpl == cpl) {
    if (eip > cd.limit()) return c.gp(0);
    if (!prot::mark_accessed(c, sel, cd)) return false;
    c.set_sp(c.sp() + 3 * n);
    prot::load_cs(c, sel, cd, rpl);
    c.s.lf.op = LazyOp::None;  // every arithmetic flag is replaced: no need to compute them
    c.set_flags(f, mask);
    c.next_eip = eip;
    return true;
  }
  OuterReturn o;
  if (!read_outer(c, 3 * n, n, rpl, o)) return false;
  if (eip > cd.limit()) return c.gp(0);
  if (!prot::mark_accessed(c, sel, cd) || !prot::mark_accessed(c, o.ss, o.sd)) return false;
  c.s.lf.op = LazyOp::None;
  c.set_flags(f, mask);
  commit_outer(c, sel, cd, o, 0);
  c.next_eip = eip;
  return true;
}

}  // namespace

void register_far(OpTable& t) {
  constexpr uint16_t E = iflag::ENDS_BLOCK;
  t.set_far(ZYDIS_MNEMONIC_JMP, jmp_far, E, 8);
  t.set_far(ZYDIS_MNEMONIC_CALL, call_far, E, 12);
  t.set_far(ZYDIS_MNEMONIC_RET, retf, E, 12);
  for (auto m : {ZYDIS_MNEMONIC_IRET, ZYDIS_MNEMONIC_IRETD}) {
    t.set(m, iret, E, 20);
    t.set_far(m, iret, E, 20);
  }
  t.set(ZYDIS_MNEMONIC_INT, int_n, E, 20);
  t.set(ZYDIS_MNEMONIC_INT3, int3, E, 20);
  t.set(ZYDIS_MNEMONIC_INTO, into, E, 20);
  t.set(ZYDIS_MNEMONIC_INT1, int1, E, 20);
}

}  // namespace pvlab::interp
