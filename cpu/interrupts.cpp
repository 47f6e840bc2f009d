// Protected-mode event delivery through the IDT (Intel SDM vol. 3, "Interrupt and Exception
// Handling", and the INT n / IRET pseudocode): interrupt and trap gates to the same ring, to an
// inner ring through the TSS stacks, from virtual-8086 mode to ring 0, and task gates.
//
// Error codes of faults raised here carry EXT (bit 0) unless the event is a software
// interrupt (INT n, INT3, INTO); IDT-related ones point at the gate: vector * 8 + 2 (+ EXT).
// The caller (Cpu::deliver) escalates a fault raised here to #DF or a triple fault.
#include "cpu/cpu.h"
#include "cpu/protect.h"

namespace pvlab {

using prot::Desc;

namespace {

bool software(const Event& e) {
  return e.kind == EventKind::SoftInt || e.kind == EventKind::Int3 ||
         (e.kind == EventKind::Trap && e.vector == exc::OF);  // INTO
}

bool is_idt_gate(const Desc& g) {
  if (!g.system()) return false;
  switch (g.type()) {
    case prot::st::kTaskGate:
    case prot::st::kInt16: case prot::st::kTrap16:
    case prot::st::kInt32: case prot::st::kTrap32:
      return true;
    default: return false;
  }
}

// EFLAGS after entering a handler through an interrupt or trap gate.
uint32_t handler_flags(uint32_t f, const Desc& gate) {
  f &= ~(fl::TF | fl::NT | fl::RF | fl::VM);
  if (!(gate.type() & 1)) f &= ~fl::IF;  // interrupt gates (types 6 and 14)
  return f;
}

// Where a same-privilege frame of `words` doublewords goes when none of its writes can fail:
// a 32-bit gate, a flat 32-bit stack, the whole frame in one page the D-TLB maps for writing
// (Cpu::fast_host). nullptr: the frame takes the StackBuilder path.
uint8_t* same_ring_frame(Cpu& c, unsigned size, unsigned words, paddr_t& pa) {
  if (size != 4 || !c.s.seg[SS].big()) return nullptr;
  return c.fast_host(SS, c.s.r[ESP] - 4 * words, 4 * words, true, pa, words);
}

}  // namespace

bool Cpu::deliver_protected(const Event& e) {
  const uint32_t ext = software(e) ? 0 : 1;
  const uint32_t gate_err = uint32_t(e.vector) * 8 + 2;
  const uint32_t ret_eip = e.kind == EventKind::Fault ? s.eip : e.return_eip;
  // Faults push RF = 1 (except the instruction-breakpoint #DB) so the restarted instruction
  // does not hit its breakpoint again.
  const bool rf = e.kind == EventKind::Fault && e.vector != exc::DB;

  if (uint32_t(e.vector) * 8 + 7 > s.idtr.limit) return gp(gate_err | ext);
  Desc gate;
  {
    uint32_t lo, hi;
    const uint32_t at = s.idtr.base + uint32_t(e.vector) * 8;
    if (!read_lin(at, 4, lo, kRead) || !read_lin(at + 4, 4, hi, kRead)) return false;
    gate.raw = lo | (uint64_t(hi) << 32);
  }
  if (!is_idt_gate(gate)) return gp(gate_err | ext);
  if (software(e) && gate.dpl() < s.cpl) return gp(gate_err);
  if (!gate.present()) return raise(exc::NP, gate_err | ext);

  if (gate.type() == prot::st::kTaskGate) {
    const uint16_t tss = gate.gate_selector();
    Desc td;
    if (!prot::fetch_gdt(*this, tss, td, exc::GP, ext)) return false;
    if (!td.tss() || td.busy()) return gp((tss & 0xfffcu) | ext);
    if (!td.present()) return raise(exc::NP, (tss & 0xfffcu) | ext);
    if (!prot::task_switch(*this, tss, td, prot::TaskSwitch::Int, ret_eip, ext, rf)) return false;
    if (e.has_error) {
      // Pushed on the new task's stack, sized by the new TSS.
      prot::StackBuilder st(s.seg[SS], s.r[ESP], s.cpl);
      st.push(e.error, td.tss32() ? 4 : 2);
      if (!st.fits()) return raise(exc::SS, ext);
      if (!st.write(*this)) return false;
      s.r[ESP] = st.esp();
    }
    return true;
  }

  // Interrupt or trap gate: the target code segment.
  const uint16_t csel = gate.gate_selector();
  if ((csel & 0xfffc) == 0) return gp(ext);
  Desc cd;
  if (!prot::fetch(*this, csel, cd, exc::GP, ext)) return false;
  const uint32_t cs_err = (csel & 0xfffcu) | ext;
  if (!cd.code() || cd.dpl() > s.cpl) return gp(cs_err);
  if (!cd.present()) return raise(exc::NP, cs_err);

  const bool inner = !cd.conforming() && cd.dpl() < s.cpl;
  const bool from_v86 = v86();
  // From V86 mode only a ring-0 non-conforming handler will do.
  if (from_v86 && (!inner || cd.dpl() != 0)) return gp(cs_err);

  const unsigned size = gate.gate32() ? 4 : 2;
  const uint32_t target = gate.gate_offset();
  const uint32_t old_flags = flags() | (rf ? fl::RF : 0);
  const unsigned new_cpl = inner ? cd.dpl() : s.cpl;
  paddr_t frame_pa;

  if (inner) {
    uint16_t nss;
    uint32_t nesp;
    if (!prot::tss_stack(*this, new_cpl, nss, nesp, ext)) return false;
    Desc sd;
    if (!prot::check_tss_ss(*this, nss, new_cpl, sd, ext)) return false;
    prot::StackBuilder st(prot::cache_of(nss, sd), nesp, new_cpl);
    if (from_v86) {
      st.push(s.seg[GS].sel, size);
      st.push(s.seg[FS].sel, size);
      st.push(s.seg[DS].sel, size);
      st.push(s.seg[ES].sel, size);
    }
    st.push(s.seg[SS].sel, size);
    st.push(s.r[ESP], size);
    st.push(old_flags, size);
    st.push(s.seg[CS].sel, size);
    st.push(ret_eip, size);
    if (e.has_error) st.push(e.error, size);
    if (!st.fits()) return raise(exc::SS, (nss & 0xfffcu) | ext);
    if (target > cd.limit()) return gp(ext);
    if (!prot::mark_accessed(*this, nss, sd) || !prot::mark_accessed(*this, csel, cd))
      return false;
    if (!st.write(*this)) return false;

    s.eflags = handler_flags(s.eflags, gate);
    if (from_v86) {
      update_mode();
      for (unsigned seg : {ES, DS, FS, GS}) prot::load_null(*this, seg);
    }
    prot::load_data(*this, SS, nss, sd);
    s.r[ESP] = st.esp();
    prot::load_cs(*this, csel, cd, new_cpl);
  } else if (uint8_t* p = same_ring_frame(*this, size, e.has_error ? 4 : 3, frame_pa)) {
    // The checks and the order of the path below, with the frame written through one host
    // pointer (it cannot fail the limit check there).
    const unsigned words = e.has_error ? 4 : 3;
    if (target > cd.limit()) return gp(ext);
    if (!prot::mark_accessed(*this, csel, cd)) return false;
    uint8_t* w = p;
    if (e.has_error) {
      store_host(w, 4, e.error);
      w += 4;
    }
    store_host(w, 4, ret_eip);
    store_host(w + 4, 4, s.seg[CS].sel);
    store_host(w + 8, 4, old_flags);
    bus_.note_tlb_write(frame_pa, 4 * words);
    s.eflags = handler_flags(s.eflags, gate);
    s.r[ESP] -= 4 * words;
    prot::load_cs(*this, csel, cd, new_cpl);
  } else {
    prot::StackBuilder st(s.seg[SS], s.r[ESP], s.cpl);
    st.push(old_flags, size);
    st.push(s.seg[CS].sel, size);
    st.push(ret_eip, size);
    if (e.has_error) st.push(e.error, size);
    if (!st.fits()) return raise(exc::SS, ext);
    if (target > cd.limit()) return gp(ext);
    if (!prot::mark_accessed(*this, csel, cd)) return false;
    if (!st.write(*this)) return false;

    s.eflags = handler_flags(s.eflags, gate);
    s.r[ESP] = st.esp();
    prot::load_cs(*this, csel, cd, new_cpl);
  }
  s.eip = target;
  return true;
}

}  // namespace pvlab
