// The trap-related hypercalls: set_trap_table, stack_switch, set_callbacks, callback_op,
// iret, fpu_taskswitch, set_debugreg / get_debugreg, physdev_op; and the vcpu's virtual
// control state they share with the emulator (CR0.TS, CR2, CR4, debug registers).
//
// Refusals (every one with its reason in the hypercall log):
//   set_trap_table   -EFAULT   an entry cannot be read (entries before it stay installed,
//                              as in Xen)
//                    -EPERM    a handler selector that is not a ring-1 code selector of the
//                              guest's own tables or FLAT_RING1_CS (RPL 0 is taken as 1)
//   stack_switch     -EPERM    SS is not a ring-1 selector (RPL 0 is taken as 1)
//                    -EINVAL   SS names no writable, present, DPL-1 data segment
//   set_callbacks    -EPERM    as set_trap_table, for either selector (nothing changes)
//   callback_op      -EFAULT / -EPERM as above; -ENOSYS for types a 32-bit PV guest on
//                              pvlab cannot have (syscall, sysenter_deprecated, syscall32)
//                              and unknown commands; -EINVAL to unregister the event,
//                              failsafe or sysenter callback (Xen keeps those)
//   set_debugreg     -EPERM    DR0-3 in the hypervisor area, DR7.GD, an I/O breakpoint
//                              without CR4.DE; -EINVAL for a register that does not exist
//   get_debugreg     -EINVAL   a register that does not exist
//   physdev_op       -EINVAL   set_iopl above 3; -EFAULT; -ENOSYS for every other command
//                              (pvlab's PV machine has no physical devices)
//   iret             crashes the domain when the frame cannot be read or returns to ring 0;
//                    a frame whose CS or SS the processor's IRET would refuse goes to the
//                    failsafe callback (or crashes without one); a return to virtual-8086
//                    mode becomes a #GP for the guest kernel, as in Xen (iret_to_vm86).
#include <cstdio>

#include "hyper/abi32.h"
#include "hyper/events.h"
#include "hyper/guest_access.h"
#include "hyper/hypervisor.h"
#include "hyper/traps.h"

namespace pvlab::hyper {

namespace {

constexpr uint32_t kDr6Fixed1 = 0xffff0ff0u, kDr6Zero = 1u << 12;
constexpr uint32_t kDr7Fixed1 = 1u << 10, kDr7Zero = (1u << 11) | (1u << 12) | (1u << 14) | (1u << 15);
constexpr uint32_t kDr7Gd = 1u << 13, kDr7Enables = 0xff;

std::string hex(uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%#x", v);
  return buf;
}

// The ring-1 stack a call gate into ring 1 would switch to: TSS.SS1:ESP1.
void write_tss_ring1_stack(Hypervisor& hv, Vcpu& v) {
  const uint32_t fields[2] = {v.kernel_sp, v.kernel_ss};
  uint32_t err = 0;
  TlbEntry* e = v.cpu->mmu().translate(tss_va(v.id) + 12, kWrite, err);
  if (e) write_machine(hv, e->frame + 12, fields, sizeof fields);
}

int32_t do_set_trap_table(HypercallCtx& c) {
  Vcpu& v = c.vcpu;
  const uint32_t va = c.arg[0];
  if (va == 0) {   // no table: every entry goes
    v.traps.fill(VirtualTrap{});
    return 0;
  }
  for (uint32_t i = 0;; ++i) {
    trap_info_x86_32_t t;
    if (!get_guest(c.hv, v, va + i * sizeof t, t))
      return c.reject(-XEN_EFAULT, "trap_info entry " + std::to_string(i) + " is not readable");
    if (t.address == 0) return 0;
    uint16_t cs = t.cs;
    std::string why;
    if (!fix_handler_selector(cs, why))
      return c.reject(-XEN_EPERM, "vector " + std::to_string(t.vector) + ": " + why);
    VirtualTrap& slot = v.traps[t.vector];
    slot.set = true;
    slot.dpl = t.flags & 3;
    slot.mask_events = t.flags & 4;
    slot.cs = cs;
    slot.eip = t.address;
  }
}

int32_t do_stack_switch(HypercallCtx& c) {
  uint16_t ss = uint16_t(c.arg[0]);
  if ((ss & 3) == 0) ss |= 1;
  if ((ss & 3) != 1 || c.arg[0] > 0xffff)
    return c.reject(-XEN_EPERM, "stack selector " + hex(c.arg[0]) + " is not a ring-1 selector");
  uint64_t d;
  if (!guest_descriptor(*c.vcpu.cpu, ss, d))
    return c.reject(-XEN_EINVAL, "stack selector " + hex(ss) + " names no descriptor");
  SegCache s;
  Cpu::cache_from_descriptor(s, ss, d);
  const bool ok = (s.attr & sa::S) && !(s.attr & sa::CODE) && (s.attr & sa::RW) && (s.attr & sa::P) &&
                  s.dpl() == 1;
  if (!ok) return c.reject(-XEN_EINVAL, "stack selector " + hex(ss) + " is not a present writable ring-1 data segment");
  c.vcpu.kernel_ss = ss;
  c.vcpu.kernel_sp = c.arg[1];
  write_tss_ring1_stack(c.hv, c.vcpu);
  return 0;
}

int32_t do_set_callbacks(HypercallCtx& c) {
  uint16_t event_cs = uint16_t(c.arg[0]), failsafe_cs = uint16_t(c.arg[2]);
  std::string why;
  if (!fix_handler_selector(event_cs, why)) return c.reject(-XEN_EPERM, "event callback: " + why);
  if (!fix_handler_selector(failsafe_cs, why)) return c.reject(-XEN_EPERM, "failsafe callback: " + why);
  c.vcpu.event_callback = {event_cs, c.arg[1]};
  c.vcpu.failsafe_callback = {failsafe_cs, c.arg[3]};
  c.vcpu.failsafe_masks_events = false;
  events_check_pending(c.hv, c.vcpu);
  return 0;
}

int32_t callback_register(HypercallCtx& c, uint32_t va) {
  abi32::callback_register r;
  if (!get_guest(c.hv, c.vcpu, va, r)) return c.reject(-XEN_EFAULT, "callback_register not readable");
  Vcpu& v = c.vcpu;
  const bool mask = r.flags & CALLBACKF_mask_events;
  uint16_t cs = uint16_t(r.address.cs);
  std::string why;
  switch (r.type) {
    case CALLBACKTYPE_nmi:   // Xen runs the NMI callback in FLAT_RING1_CS whatever cs says
      v.nmi_callback = {kSelRing1Code, r.address.eip};
      return 0;
    case CALLBACKTYPE_event:
    case CALLBACKTYPE_failsafe:
    case CALLBACKTYPE_sysenter:
      break;
    case CALLBACKTYPE_syscall:
      return c.reject(-XEN_ENOSYS, "CALLBACKTYPE_syscall is for 64-bit guests");
    case CALLBACKTYPE_sysenter_deprecated:
      return c.reject(-XEN_ENOSYS, "CALLBACKTYPE_sysenter_deprecated needs a 32-bit hypervisor's supervisor-mode kernel");
    case CALLBACKTYPE_syscall32:
      return c.reject(-XEN_ENOSYS, "CALLBACKTYPE_syscall32: pvlab's processor has no SYSCALL");
    default: return c.reject(-XEN_ENOSYS, "unknown callback type " + std::to_string(r.type));
  }
  if (!fix_handler_selector(cs, why)) return c.reject(-XEN_EPERM, why);
  const Callback cb{cs, r.address.eip};
  if (r.type == CALLBACKTYPE_event) {
    v.event_callback = cb;
    events_check_pending(c.hv, v);
  } else if (r.type == CALLBACKTYPE_failsafe) {
    v.failsafe_callback = cb;
    v.failsafe_masks_events = mask;
  } else {
    v.sysenter_callback = cb;
    v.sysenter_masks_events = mask;
  }
  return 0;
}

int32_t callback_unregister(HypercallCtx& c, uint32_t va) {
  callback_unregister_t u;
  if (!get_guest(c.hv, c.vcpu, va, u)) return c.reject(-XEN_EFAULT, "callback_unregister not readable");
  switch (u.type) {
    case CALLBACKTYPE_nmi: c.vcpu.nmi_callback = {}; return 0;
    case CALLBACKTYPE_event:
    case CALLBACKTYPE_failsafe:
    case CALLBACKTYPE_sysenter:
      return c.reject(-XEN_EINVAL, "callback type " + std::to_string(u.type) + " cannot be unregistered");
    default: return c.reject(-XEN_ENOSYS, "unknown callback type " + std::to_string(u.type));
  }
}

int32_t do_callback_op(HypercallCtx& c) {
  switch (c.arg[0]) {
    case CALLBACKOP_register: return callback_register(c, c.arg[1]);
    case CALLBACKOP_unregister: return callback_unregister(c, c.arg[1]);
    default: return c.reject(-XEN_ENOSYS, "unknown callback_op " + std::to_string(c.arg[0]));
  }
}

int32_t do_fpu_taskswitch(HypercallCtx& c) {
  set_guest_ts(c.vcpu, c.arg[0] != 0);
  return 0;
}

int32_t do_set_debugreg(HypercallCtx& c) {
  std::string why;
  const int32_t rc = set_guest_debugreg(c.vcpu, c.arg[0], c.arg[1], why);
  return rc ? c.reject(rc, why) : 0;
}

int32_t do_get_debugreg(HypercallCtx& c) {
  uint32_t value;
  if (!get_guest_debugreg(c.vcpu, c.arg[0], value))
    return c.reject(-XEN_EINVAL, "no debug register " + std::to_string(c.arg[0]));
  return int32_t(value);
}

int32_t do_physdev_op(HypercallCtx& c) {
  const uint32_t cmd = c.arg[0];
  if (cmd != PHYSDEVOP_set_iopl)
    return c.reject(-XEN_ENOSYS, "PHYSDEVOP " + std::to_string(cmd) + ": pvlab's PV machine has no physical devices");
  physdev_set_iopl_t p;
  if (!get_guest(c.hv, c.vcpu, c.arg[1], p)) return c.reject(-XEN_EFAULT, "physdev_set_iopl not readable");
  if (p.iopl > 3) return c.reject(-XEN_EINVAL, "IOPL " + std::to_string(p.iopl) + " is above 3");
  c.vcpu.iopl = uint8_t(p.iopl);
  return 0;
}

// ---- iret ------------------------------------------------------------------------------------

// A frame whose segments IRET would refuse: Xen's IRET faults, and the failsafe callback
// gets the state as popped (or the domain is crashed when there is none).
void iret_failsafe(Hypervisor& hv, Vcpu& v, uint32_t eip, uint16_t cs, uint32_t eflags, uint32_t esp,
                   uint16_t ss, const std::string& why) {
  Cpu& c = *v.cpu;
  if (!v.failsafe_callback.set()) {
    hv.crash(v, "iret: " + why + ", and no failsafe callback is registered");
    return;
  }
  // The interrupted state the failsafe frame describes.
  c.s.seg[CS].sel = cs;
  c.set_cpl(uint8_t(cs & 3));
  c.s.seg[SS].sel = ss;
  c.s.r[ESP] = esp;
  c.set_flags(eflags, fl::kWritable & ~fl::VM);
  Bounce b;
  b.cs = v.failsafe_callback.cs;
  b.eip = v.failsafe_callback.eip;
  b.ret_eip = eip;
  b.failsafe = true;
  b.mask_events = v.failsafe_masks_events;
  std::string bwhy;
  if (!bounce_to_guest(hv, v, b, bwhy)) hv.crash(v, "iret: " + why + "; the failsafe callback: " + bwhy);
}

// An iret to virtual-8086 mode, which a PV guest cannot have. As Xen does for 32-bit PV
// guests: the guest kernel's #GP handler gets the fault the first VM86 instruction would
// have raised. The frame's nine words after EAX (EIP, CS, EFLAGS, ESP, SS, ES, DS, FS, GS)
// are copied below kernel_sp with an error code of 0 under them, the kernel stack
// (kernel_ss:kernel_sp - 40) is loaded, and the #GP trap-table entry runs with EFLAGS
// cleared of VM, RF, NT and TF and the upcall mask from the frame's IF (set when the entry
// masks events). Without a #GP entry, or when the frame cannot be copied, the domain is
// crashed with the reason.
int32_t iret_to_vm86(HypercallCtx& c, uint32_t frame_lin, uint32_t eax, uint32_t frame_eflags) {
  Vcpu& v = c.vcpu;
  Cpu& cpu = *v.cpu;
  c.handled_eip = true;
  if (c.hv.event_log())
    std::fprintf(c.hv.event_log(), "pvlab: vcpu %u iret to virtual-8086 mode: #GP to the guest kernel\n", v.id);
  const VirtualTrap& gp = v.traps[13];
  if (!gp.set) {
    c.hv.crash(v, "iret to virtual-8086 mode (EFLAGS " + hex(frame_eflags) +
                      "), and no #GP trap-table entry to report it to");
    return c.reject(-XEN_EINVAL, "iret to virtual-8086 mode without a #GP handler");
  }
  uint32_t words[10] = {};   // error code 0, then the frame's EIP .. GS
  const uint32_t ksp = v.kernel_sp - 40;
  if (!copy_from_guest(c.hv, v, frame_lin + 4, &words[1], 9 * 4) ||
      !copy_to_guest(c.hv, v, ksp, words, sizeof words)) {
    c.hv.crash(v, "iret to virtual-8086 mode: the #GP frame cannot be copied from " + hex(frame_lin) +
                      " to the kernel stack at " + hex(ksp));
    return c.reject(-XEN_EFAULT, "iret to virtual-8086 mode: frame not copied");
  }
  std::string why;
  const SegCache saved_cs = cpu.s.seg[CS], saved_ss = cpu.s.seg[SS];
  const uint8_t saved_cpl = cpu.s.cpl;
  if (!load_guest_code(cpu, gp.cs, why) || !load_guest_stack(cpu, v.kernel_ss, why)) {
    cpu.s.seg[CS] = saved_cs;
    cpu.s.seg[SS] = saved_ss;
    cpu.set_cpl(saved_cpl);
    c.hv.crash(v, "iret to virtual-8086 mode: the #GP handler cannot be entered: " + why);
    return c.reject(-XEN_EINVAL, "iret to virtual-8086 mode: " + why);
  }
  cpu.s.r[EAX] = eax;
  cpu.s.r[ESP] = ksp;
  cpu.s.eip = gp.eip;
  cpu.s.halted = 0;
  const uint32_t eflags = ((frame_eflags & ~fl::IOPL) | fl::IF) & ~(fl::VM | fl::RF | fl::NT | fl::TF);
  cpu.set_flags(eflags, fl::kWritable & ~fl::VM);
  const bool masked = gp.mask_events || !(frame_eflags & fl::IF);
  set_vcpu_upcall_mask(c.hv, v, masked ? 1 : 0);
  cpu.end_block();
  if (c.reason.empty()) c.reason = "iret to virtual-8086 mode: #GP delivered to the guest kernel";
  return 0;
}

// HYPERVISOR_iret: the stub pushed EAX; below it the guest left EIP, CS, EFLAGS and, for a
// return to ring 2/3, ESP and SS. EFLAGS comes back with IOPL 0 and IF set, and the upcall
// mask from the frame's IF. The 32-bit frame has no flags word: VGCF_in_syscall belongs to
// the 64-bit ABI's iret_context and has no counterpart here.
int32_t do_iret(HypercallCtx& c) {
  Vcpu& v = c.vcpu;
  Cpu& cpu = *v.cpu;
  c.handled_eip = true;
  struct { uint32_t eax, eip, cs, eflags, esp, ss; } f;
  const uint32_t esp = cpu.s.r[ESP];
  const uint32_t lin = cpu.s.seg[SS].base + esp;
  if (!copy_from_guest(c.hv, v, lin, &f, 16)) {
    c.hv.crash(v, "iret: the frame at " + hex(lin) + " cannot be read");
    return c.reject(-XEN_EFAULT, "iret frame not readable");
  }
  // VM86 first: its CS is a real-mode segment, not a selector with an RPL.
  if (f.eflags & fl::VM) return iret_to_vm86(c, lin, f.eax, f.eflags);
  const uint16_t cs = uint16_t(f.cs);
  if ((cs & 3) == 0) {
    c.hv.crash(v, "iret to ring 0 (CS " + hex(cs) + ")");
    return c.reject(-XEN_EPERM, "iret to ring 0");
  }
  const bool outer = (cs & 3) != 1;
  uint32_t new_esp = esp + 16;
  uint16_t new_ss = cpu.s.seg[SS].sel;
  if (outer) {
    if (!copy_from_guest(c.hv, v, lin + 16, &f.esp, 8)) {
      c.hv.crash(v, "iret: the frame's ESP and SS at " + hex(lin + 16) + " cannot be read");
      return c.reject(-XEN_EFAULT, "iret frame not readable");
    }
    new_esp = f.esp;
    new_ss = uint16_t(f.ss);
  }
  const uint32_t eflags = (f.eflags & ~fl::IOPL) | fl::IF;
  cpu.s.r[EAX] = f.eax;
  cpu.s.halted = 0;

  const SegCache saved_cs = cpu.s.seg[CS], saved_ss = cpu.s.seg[SS];
  const uint8_t saved_cpl = cpu.s.cpl;
  std::string why;
  bool ok = load_guest_code(cpu, cs, why);
  if (ok && outer) ok = load_guest_stack(cpu, new_ss, why);
  if (!ok) {
    cpu.s.seg[CS] = saved_cs;
    cpu.s.seg[SS] = saved_ss;
    cpu.set_cpl(saved_cpl);
    iret_failsafe(c.hv, v, f.eip, cs, eflags, new_esp, new_ss, why);
    return 0;
  }
  cpu.s.eip = f.eip;
  cpu.s.r[ESP] = new_esp;
  cpu.set_flags(eflags, fl::kWritable & ~fl::VM);
  if (outer) drop_inner_data_segments(cpu);
  set_vcpu_upcall_mask(c.hv, v, (f.eflags & fl::IF) ? 0 : 1);
  cpu.end_block();
  return 0;
}

}  // namespace

// ---- virtual control state -------------------------------------------------------------------

void set_guest_ts(Vcpu& v, bool set) {
  Cpu& c = *v.cpu;
  v.guest_ts = set;
  if (set) c.s.cr0 |= cr0::TS;
  else c.s.cr0 &= ~cr0::TS;
  c.sync_paging();
}

uint32_t guest_cr0(const Vcpu& v) { return (v.cpu->s.cr0 & ~cr0::TS) | (v.guest_ts ? cr0::TS : 0); }

uint32_t guest_cr4(const Vcpu& v) {
  return v.cpu->s.cr4 & (cr4::PAE | cr4::PGE | cr4::TSD | cr4::DE);
}

int32_t set_guest_debugreg(Vcpu& v, unsigned reg, uint32_t value, std::string& why) {
  Cpu& c = *v.cpu;
  switch (reg) {
    case 0: case 1: case 2: case 3:
      if (value > kHypervisorStart - 4) {
        why = "DR" + std::to_string(reg) + " = " + hex(value) + " reaches the hypervisor area";
        return -XEN_EPERM;
      }
      break;
    case 6: value = (value & ~kDr6Zero) | kDr6Fixed1; break;
    case 7: {
      value = (value & ~kDr7Zero) | kDr7Fixed1;
      if (value & kDr7Gd) {
        why = "DR7.GD (general detect) is the hypervisor's";
        return -XEN_EPERM;
      }
      uint32_t io_enable = 0;
      if (value & kDr7Enables) {
        for (unsigned n = 0; n < 4; ++n) {
          if (((value >> (16 + 4 * n)) & 3) != 2) continue;
          if (!(guest_cr4(v) & cr4::DE)) {
            why = "an I/O breakpoint needs CR4.DE";
            return -XEN_EPERM;
          }
          io_enable |= value & (3u << (2 * n));
        }
      }
      // Guest port I/O is emulated, so I/O breakpoints stay out of the real DR7 (kept in
      // the DR5 slot, as Xen keeps them).
      v.debugreg[5] = io_enable;
      value &= ~io_enable;
      break;
    }
    default:
      why = "no debug register " + std::to_string(reg);
      return -XEN_EINVAL;
  }
  v.debugreg[reg] = value;
  c.s.dr[reg] = value;
  if (reg == 7) c.update_debug_state();
  c.end_block();
  return 0;
}

bool get_guest_debugreg(const Vcpu& v, unsigned reg, uint32_t& value) {
  const Cpu& c = *v.cpu;
  switch (reg) {
    case 0: case 1: case 2: case 3: case 6: value = c.s.dr[reg]; return true;
    case 7: value = c.s.dr[7] | v.debugreg[5]; return true;
    default: return false;
  }
}

void register_trap_hypercalls(HypercallTable& t) {
  t.add({__HYPERVISOR_set_trap_table, "set_trap_table", {Arg::Ptr}, do_set_trap_table});
  t.add({__HYPERVISOR_stack_switch, "stack_switch", {Arg::Uint, Arg::Uint}, do_stack_switch});
  t.add({__HYPERVISOR_set_callbacks, "set_callbacks", {Arg::Uint, Arg::Ptr, Arg::Uint, Arg::Ptr},
         do_set_callbacks});
  t.add({__HYPERVISOR_fpu_taskswitch, "fpu_taskswitch", {Arg::Int}, do_fpu_taskswitch});
  t.add({__HYPERVISOR_set_debugreg, "set_debugreg", {Arg::Int, Arg::Uint}, do_set_debugreg});
  t.add({__HYPERVISOR_get_debugreg, "get_debugreg", {Arg::Int}, do_get_debugreg});
  t.add({__HYPERVISOR_iret, "iret", {}, do_iret});
  t.add({__HYPERVISOR_callback_op, "callback_op", {Arg::Cmd, Arg::Ptr}, do_callback_op});
  t.add({__HYPERVISOR_physdev_op, "physdev_op", {Arg::Cmd, Arg::Ptr}, do_physdev_op});
  register_multicall_hypercall(t);
}

}  // namespace pvlab::hyper
