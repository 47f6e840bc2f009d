// Virtual traps: every event the CPU raises while the guest runs (except a ring-1 hypercall)
// arrives in deliver_guest_event, which decides, as Xen does, whether the hypervisor handles
// it itself (privileged-instruction emulation on #GP(0), forced-emulation CPUID on #UD,
// the virtual CR0.TS on #NM, event upcalls) or bounces it to the guest kernel's handler
// from the virtual trap table.
//
// The rules:
//  - INT n reaches the guest's handler only when the trap entry's DPL is at least the CPL;
//    otherwise (an unregistered vector included) the guest gets #GP((n << 3) | 2) at the INT
//    instruction. INT3, INTO and INT 3/4 are delivered whatever the DPL (Xen's own gates for
//    vectors 3 and 4 are DPL 3), INT1 as a #DB trap. `int $0x82` from ring 3 is therefore #GP
//    unless the guest itself routed vector 0x82 to ring 3.
//  - Exceptions carry an error code exactly when the CPU pushed one (vectors 8, 10-14, 17).
//    #PF also stores CR2 in vcpu_info.arch.cr2 (and the guest's virtual CR2).
//  - An exception whose vector has no trap-table entry crashes the domain, naming the vector:
//    there is nothing in the guest that could handle it.
//  - A frame that cannot be written (kernel stack unmapped, read-only, in the hypervisor's
//    area, a bad kernel SS) crashes the domain with the reason; the console stays as it was.
#include "hyper/traps.h"

#include <cstddef>
#include <cstdio>

#include "hyper/emulate.h"
#include "hyper/events.h"
#include "hyper/guest_access.h"
#include "hyper/hypervisor.h"
#include "hyper/mm.h"

namespace pvlab::hyper {

namespace {

const char* vector_name(unsigned vec) {
  static const char* const names[] = {"#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM",
                                      "#DF", "coprocessor overrun", "#TS", "#NP", "#SS",
                                      "#GP", "#PF", "vector 15", "#MF", "#AC", "#MC", "#XM"};
  return vec < sizeof names / sizeof names[0] ? names[vec] : "interrupt";
}

std::string describe(unsigned vec, bool has_error, uint32_t error, uint16_t cs, uint32_t eip) {
  char buf[128];
  std::snprintf(buf, sizeof buf, "%s (vector %u", vector_name(vec), vec);
  std::string s = buf;
  if (has_error) {
    std::snprintf(buf, sizeof buf, ", error %#x", error);
    s += buf;
  }
  std::snprintf(buf, sizeof buf, ") at %04x:%08x", cs, eip);
  return s + buf;
}

// Whether [off - size, off) lies inside the stack segment (expand-up or expand-down).
bool stack_room(const SegCache& ss, uint32_t top, uint32_t size) {
  if (top < size) return false;
  const uint32_t low = top - size, high = top - 1;
  if (ss.expand_down) {
    const uint32_t end = ss.big() ? 0xffffffffu : 0xffffu;
    return low > ss.limit && high <= end;
  }
  return high <= ss.limit;
}

// INT n from the guest: the DPL rule, then the bounce.
bool soft_int(Hypervisor& hv, Vcpu& v, const Event& e) {
  Cpu& c = *v.cpu;
  const VirtualTrap& t = v.traps[e.vector];
  const bool always = e.vector == exc::BP || e.vector == exc::OF;
  if (always || (t.set && t.dpl >= c.s.cpl))
    return inject_exception(hv, v, e.vector, false, 0, e.return_eip);
  return inject_exception(hv, v, exc::GP, true, (uint32_t(e.vector) << 3) | 2, c.s.eip);
}

}  // namespace

void set_guest_cr2(Hypervisor& hv, Vcpu& v, uint32_t cr2) {
  v.guest_cr2 = cr2;
  write_machine(hv, v.vcpu_info_maddr + offsetof(vcpu_info_x86_32_t, arch.cr2), &cr2, 4);
}

bool bounce_to_guest(Hypervisor& hv, Vcpu& v, const Bounce& b, std::string& why) {
  Cpu& c = *v.cpu;
  const uint8_t saved_mask = vcpu_upcall_mask(hv, v) ? 1 : 0;
  const bool outer = c.s.cpl >= 2;   // Xen: CS bit 1 set means "not already in the kernel"
  const uint32_t old_flags = c.flags();
  const uint16_t old_cs = c.s.seg[CS].sel, old_ss = c.s.seg[SS].sel;
  const uint32_t old_esp = c.s.r[ESP];

  // The frame, lowest address first.
  uint32_t frame[11];
  unsigned n = 0;
  if (b.failsafe)
    for (unsigned seg : {unsigned(DS), unsigned(ES), unsigned(FS), unsigned(GS)})
      frame[n++] = c.s.seg[seg].sel;
  if (b.has_error) frame[n++] = b.error;
  frame[n++] = b.null_eip_esp ? 0 : b.ret_eip;
  frame[n++] = uint32_t(old_cs) | (uint32_t(saved_mask) << 16);
  frame[n++] = (old_flags & ~(fl::IF | fl::IOPL)) | (saved_mask ? 0 : fl::IF);
  if (outer) {
    frame[n++] = b.null_eip_esp ? 0 : old_esp;
    frame[n++] = old_ss;
  }
  const uint32_t size = n * 4;

  // The stack: the kernel's for a bounce from an outer ring, else the current one.
  const SegCache saved_cs = c.s.seg[CS], saved_ss = c.s.seg[SS];
  const uint8_t saved_cpl = c.s.cpl;
  auto fail = [&](std::string reason) {
    c.s.seg[CS] = saved_cs;
    c.s.seg[SS] = saved_ss;
    c.set_cpl(saved_cpl);
    why = std::move(reason);
    return false;
  };
  uint32_t top = old_esp;
  if (outer) {
    if ((v.kernel_ss & 0xfffc) == 0) return fail("no kernel stack: stack_switch was never called");
    c.set_cpl(1);
    std::string r;
    if (!load_guest_stack(c, v.kernel_ss, r)) return fail("kernel stack: " + r);
    top = v.kernel_sp;
  }
  const SegCache& ss = c.s.seg[SS];
  if (!c.s.seg[SS].big()) top &= 0xffff;
  if (!stack_room(ss, top, size)) {
    char buf[96];
    std::snprintf(buf, sizeof buf, "a %u-byte frame below ESP %#x does not fit the stack segment", size, top);
    return fail(buf);
  }
  const uint32_t lin = ss.base + (top - size);
  {
    std::string r;
    if (!load_guest_code(c, b.cs, r)) return fail("handler: " + r);
    if (c.s.cpl != 1) return fail("handler selector is not a ring-1 selector");
  }
  if (!copy_to_guest(hv, v, lin, frame, size)) {
    char buf[128];
    std::snprintf(buf, sizeof buf, "the %u-byte frame at %#x (%04x:%08x) cannot be written", size, lin,
                  c.s.seg[SS].sel, top - size);
    return fail(buf);
  }

  // Committed.
  const uint32_t base_esp = outer ? v.kernel_sp : old_esp;
  c.s.r[ESP] = ss.big() ? top - size : ((base_esp & 0xffff0000u) | ((top - size) & 0xffff));
  c.s.eip = b.eip;
  c.set_flags((old_flags & ~(fl::TF | fl::NT | fl::RF | fl::VM)) | fl::IF,
              fl::TF | fl::NT | fl::RF | fl::VM | fl::IF);
  c.s.halted = 0;
  if (b.failsafe)
    for (unsigned seg : {unsigned(DS), unsigned(ES), unsigned(FS), unsigned(GS)}) {
      c.s.seg[seg] = SegCache{};
      Cpu::refresh_cache_flags(c.s.seg[seg], c.s.mode);
    }
  if (b.mask_events && !saved_mask) set_vcpu_upcall_mask(hv, v, 1);
  c.end_block();
  hv.count_bounce();
  return true;
}

bool bounce_to_callback(Hypervisor& hv, Vcpu& v, uint16_t cs, uint32_t eip) {
  Bounce b;
  b.cs = cs;
  b.eip = eip;
  b.ret_eip = v.cpu->s.eip;
  b.mask_events = true;
  std::string why;
  if (bounce_to_guest(hv, v, b, why)) return true;
  char buf[48];
  std::snprintf(buf, sizeof buf, "callback %04x:%08x: ", cs, eip);
  hv.crash(v, buf + why);
  return false;
}

bool inject_exception(Hypervisor& hv, Vcpu& v, uint8_t vector, bool has_error, uint32_t error,
                      uint32_t ret_eip) {
  Cpu& c = *v.cpu;
  const VirtualTrap& t = v.traps[vector];
  if (!t.set) {
    hv.crash(v, "unhandled " + describe(vector, has_error, error, c.s.seg[CS].sel, ret_eip) +
                    ": no trap-table entry");
    return false;
  }
  Bounce b;
  b.cs = t.cs;
  b.eip = t.eip;
  b.ret_eip = ret_eip;
  b.has_error = has_error;
  b.error = error;
  b.mask_events = t.mask_events;
  std::string why;
  if (bounce_to_guest(hv, v, b, why)) return true;
  hv.crash(v, "cannot deliver " + describe(vector, has_error, error, c.s.seg[CS].sel, ret_eip) +
                  ": " + why);
  return false;
}

bool deliver_guest_event(Hypervisor& hv, Vcpu& v, const Event& e) {
  if (mm_handle_fault(hv, v, e)) return true;   // writable page tables (hyper/mm_ptwr.cpp)
  Cpu& c = *v.cpu;
  switch (e.kind) {
    case EventKind::HwInt:   // the upcall the events code asked for
      events_upcall(hv, v);
      return true;
    case EventKind::Nmi:
      if (v.nmi_callback.set()) return bounce_to_callback(hv, v, v.nmi_callback.cs, v.nmi_callback.eip);
      return true;
    case EventKind::SoftInt: return soft_int(hv, v, e);
    case EventKind::Int3: return inject_exception(hv, v, exc::BP, false, 0, e.return_eip);
    case EventKind::Trap:   // INTO, INT1, debug traps after an instruction
      if (e.vector == exc::DB) v.debugreg[6] = c.s.dr[6];
      return inject_exception(hv, v, e.vector, e.has_error, e.error, e.return_eip);
    case EventKind::Fault: break;
  }
  switch (e.vector) {
    case exc::UD:
      if (emulate_forced_invalid_op(hv, v)) return true;
      break;
    case exc::GP:
      if ((!e.has_error || e.error == 0) && emulate_gp(hv, v)) return true;
      break;
    case exc::NM:
      // The virtual CR0.TS: the guest takes its #NM and finds TS clear, as after Xen's
      // do_device_not_available.
      if (v.guest_ts) set_guest_ts(v, false);
      break;
    case exc::PF: set_guest_cr2(hv, v, c.s.cr2); break;
    case exc::DB: v.debugreg[6] = c.s.dr[6]; break;
    default: break;
  }
  return inject_exception(hv, v, e.vector, e.has_error, e.error, c.s.eip);
}

}  // namespace pvlab::hyper
