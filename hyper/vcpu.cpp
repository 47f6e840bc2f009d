// HYPERVISOR_vcpu_op: bringing a domain's further vcpus to life and looking after each one.
//
// A vcpu other than 0 starts offline and uninitialised. VCPUOP_initialise gives it a context
// (registers, trap table, callbacks, kernel stack, page-table base), VCPUOP_up lets it run
// from its next turn in the run loop with its clock set to the caller's time, VCPUOP_down stops
// it (the last one going down powers the domain off, as in Xen). VCPUOP_register_vcpu_info
// moves its vcpu_info out of shared_info into a page of the guest's, once. Timer operations
// are time.cpp's.
#include "hyper/vcpu.h"

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstring>
#include <string>
#include <vector>

#include "hyper/abi32.h"
#include "hyper/events.h"
#include "hyper/guest_access.h"
#include "hyper/hypervisor.h"
#include "hyper/mm.h"
#include "hyper/schedule.h"
#include "hyper/time.h"
#include "hyper/traps.h"

namespace pvlab::hyper {

void vcpu_enter_pv_mode(Hypervisor& hv, Vcpu& v) {
  Cpu& c = *v.cpu;
  c.s.cr0 = cr0::PE | cr0::PG | cr0::WP | cr0::ET | cr0::NE | cr0::MP;
  c.s.cr4 = cr4::PAE | cr4::PGE;
  c.s.msr.efer = efer::NXE;
  hv.load_gdt(v);
  c.s.eflags = fl::kFixed1 | fl::IF;
  c.s.lf.op = LazyOp::None;
  c.update_mode();
  c.sync_paging();
  c.mmu().flush(true);
}

namespace {

// A data segment register of the new context: null, or a present data (or readable code)
// segment the kernel may use (DPL >= max(RPL, 1)). Loaded without raising anything.
bool load_data_segment(Cpu& c, unsigned seg, uint16_t sel, std::string& why) {
  if ((sel & 0xfffc) == 0) {
    c.s.seg[seg] = SegCache{};
    Cpu::refresh_cache_flags(c.s.seg[seg], c.s.mode);
    return true;
  }
  uint64_t d;
  SegCache tmp;
  if (guest_descriptor(c, sel, d)) Cpu::cache_from_descriptor(tmp, sel, d);
  const bool usable = (tmp.attr & sa::P) && (tmp.attr & sa::S) &&
                      (!(tmp.attr & sa::CODE) || (tmp.attr & sa::RW)) &&
                      tmp.dpl() >= std::max(unsigned(sel & 3), 1u);
  if (!usable) {
    why = "data selector " + std::to_string(sel) + " is not a segment the kernel may load";
    return false;
  }
  Cpu::refresh_cache_flags(tmp, c.s.mode);
  c.s.seg[seg] = tmp;
  return true;
}

int32_t initialise(HypercallCtx& c, Vcpu& t, uint32_t va) {
  Hypervisor& hv = c.hv;
  abi32::vcpu_guest_context ctx;
  if (!get_guest(hv, c.vcpu, va, ctx)) return c.reject(-XEN_EFAULT, "vcpu_guest_context not readable");
  if (t.initialised) return c.reject(-XEN_EEXIST, "vcpu " + std::to_string(t.id) + " is already initialised");
  if (ctx.gdt_ents > kFirstReservedGdtEntry)
    return c.reject(-XEN_EINVAL, "gdt_ents " + std::to_string(ctx.gdt_ents) + " reaches the hypervisor's entries");
  const cpu_user_regs_x86_32_t& r = ctx.user_regs;
  std::string why;
  // Handlers: the trap table and the callbacks, under set_trap_table's selector rules.
  std::array<VirtualTrap, 256> traps{};
  for (unsigned n = 0; n < 256; ++n) {
    const trap_info_x86_32_t& ti = ctx.trap_ctxt[n];
    if (ti.address == 0) continue;
    uint16_t sel = ti.cs;
    if (!fix_handler_selector(sel, why)) return c.reject(-XEN_EINVAL, "trap " + std::to_string(n) + ": " + why);
    traps[n] = VirtualTrap{true, uint8_t(ti.flags & 3), bool(ti.flags & 4), sel, ti.address};
  }
  uint16_t event_cs = uint16_t(ctx.event_callback_cs), failsafe_cs = uint16_t(ctx.failsafe_callback_cs);
  if (ctx.event_callback_eip && !fix_handler_selector(event_cs, why))
    return c.reject(-XEN_EINVAL, "event callback: " + why);
  if (ctx.failsafe_callback_eip && !fix_handler_selector(failsafe_cs, why))
    return c.reject(-XEN_EINVAL, "failsafe callback: " + why);
  uint16_t kernel_ss = uint16_t(ctx.kernel_ss);
  if ((kernel_ss & 3) == 0 && (kernel_ss & 0xfffc)) kernel_ss |= 1;
  const uint32_t cr3 = ctx.ctrlreg[3];
  const uint32_t l3_mfn = (cr3 >> 12) | (cr3 << 20);   // xen_cr3_to_pfn (PAE, extended CR3)
  if (l3_mfn >= hv.machine_frames() || hv.frames()[l3_mfn].owner != c.dom.id)
    return c.reject(-XEN_EINVAL, "CR3 frame " + std::to_string(l3_mfn) + " is not the domain's");

  // Processor state: PV mode, then the page-table base, then registers and segments.
  vcpu_enter_pv_mode(hv, t);
  if (ctx.gdt_ents) {
    const std::vector<uint32_t> frames(ctx.gdt_frames, ctx.gdt_frames + (ctx.gdt_ents + kGdtEntriesPerPage - 1) / kGdtEntriesPerPage);
    if (int rc = mm_set_gdt(hv, t, frames, ctx.gdt_ents, why); rc != 0) return c.reject(rc, "GDT: " + why);
  }
  if (int rc = mm_set_baseptr(hv, t, l3_mfn, why); rc != 0) return c.reject(rc, "CR3: " + why);
  if (ctx.ldt_ents) {
    if (int rc = mm_set_ldt(hv, t, ctx.ldt_base, ctx.ldt_ents, why); rc != 0) return c.reject(rc, "LDT: " + why);
  }
  hv.enter_ring1(t, r.eip, r.esp);
  Cpu& cpu = *t.cpu;
  uint16_t cs = uint16_t(r.cs), ss = uint16_t(r.ss);
  if ((cs & 3) == 0 && (cs & 0xfffc)) cs |= 1;   // RPL 0 means the kernel's ring, 1
  if ((ss & 3) == 0 && (ss & 0xfffc)) ss |= 1;
  if (!load_guest_code(cpu, cs, why) || !load_guest_stack(cpu, ss, why))
    return c.reject(-XEN_EINVAL, why);
  const unsigned segs[] = {DS, ES, FS, GS};
  const uint16_t sels[] = {uint16_t(r.ds), uint16_t(r.es), uint16_t(r.fs), uint16_t(r.gs)};
  for (unsigned i = 0; i < 4; ++i)
    if (!load_data_segment(cpu, segs[i], sels[i], why)) return c.reject(-XEN_EINVAL, why);
  cpu.s.r[EAX] = r.eax;
  cpu.s.r[EBX] = r.ebx;
  cpu.s.r[ECX] = r.ecx;
  cpu.s.r[EDX] = r.edx;
  cpu.s.r[ESI] = r.esi;
  cpu.s.r[EDI] = r.edi;
  cpu.s.r[EBP] = r.ebp;
  // The guest's flags with IF forced on; IOPL becomes the virtual IOPL.
  cpu.set_flags(r.eflags, fl::kArith | fl::DF | fl::AC);
  t.iopl = uint8_t((r.eflags & fl::IOPL) >> fl::kIoplShift);

  // Traps, callbacks, kernel stack, debug registers.
  t.traps = traps;
  t.kernel_ss = kernel_ss;
  t.kernel_sp = ctx.kernel_sp;
  t.event_callback = Callback{ctx.event_callback_eip ? event_cs : uint16_t(0), ctx.event_callback_eip};
  t.failsafe_callback = Callback{ctx.failsafe_callback_eip ? failsafe_cs : uint16_t(0), ctx.failsafe_callback_eip};
  for (unsigned i = 0; i < 8; ++i) t.debugreg[i] = ctx.debugreg[i];
  t.initialised = true;
  return 0;
}

int32_t up(HypercallCtx& c, Vcpu& t) {
  if (!t.initialised) return c.reject(-XEN_EINVAL, "vcpu " + std::to_string(t.id) + " has no context (VCPUOP_initialise)");
  if (t.online) return 0;
  t.online = true;
  Cpu& cpu = *t.cpu;
  const uint64_t now = sched_now(c.hv);
  if (cpu.s.cycles < now) cpu.s.cycles = now;
  time_update_vcpu(c.hv, t);
  vcpu_set_runstate(c.hv, t, t.blocked ? RUNSTATE_blocked : RUNSTATE_running);
  return 0;
}

int32_t down(HypercallCtx& c, Vcpu& t) {
  bool others = false;
  for (auto& vp : c.dom.vcpus) others |= vp.get() != &t && vp->online;
  if (!others) {
    c.hv.shutdown(ShutdownReason::PowerOff);   // the last vcpu going down
    return 0;
  }
  if (!t.online) return 0;
  t.online = false;
  vcpu_set_runstate(c.hv, t, RUNSTATE_offline);
  if (&t == &c.vcpu) sched_yield_now(c.hv);
  return 0;
}

int32_t register_vcpu_info(HypercallCtx& c, Vcpu& t, uint32_t va) {
  Hypervisor& hv = c.hv;
  vcpu_register_vcpu_info_t r;
  if (!get_guest(hv, c.vcpu, va, r)) return c.reject(-XEN_EFAULT, "vcpu_register_vcpu_info not readable");
  constexpr uint32_t kSize = sizeof(vcpu_info_x86_32_t);
  if (r.offset > kPageSize - kSize) return c.reject(-XEN_EINVAL, "vcpu_info would cross the page end");
  if (t.ev.registered_vcpu_info) return c.reject(-XEN_EINVAL, "vcpu_info was already moved");
  if (&t != &c.vcpu && t.online) return c.reject(-XEN_EINVAL, "another vcpu's vcpu_info moves only while it is down");
  if (r.mfn >= hv.machine_frames() || hv.frames()[uint32_t(r.mfn)].owner != c.dom.id)
    return c.reject(-XEN_EINVAL, "frame " + std::to_string(r.mfn) + " is not the domain's");
  // The page stays writable (a general and a writable type reference) while vcpu_info lives
  // there: it can never become a page table or descriptor page.
  std::string why;
  if (mm_get_page_and_type(hv, c.dom, uint32_t(r.mfn), PageType::Writable, false, why) != 0)
    return c.reject(-XEN_EINVAL, "vcpu_info frame: " + why);
  const uint64_t maddr = (r.mfn << kPageShift) + r.offset;
  uint8_t info[kSize];
  std::memcpy(info, vcpu_info_ptr(hv, t), kSize);
  write_machine(hv, maddr, info, kSize);
  t.vcpu_info_maddr = maddr;
  t.ev.registered_vcpu_info = true;
  // Everything is marked pending so that no event is lost in the move (the guest sees a
  // spurious upcall at most), as Xen does.
  uint8_t* vi = vcpu_info_ptr(hv, t);
  vi[offsetof(vcpu_info_x86_32_t, evtchn_upcall_pending)] = 1;
  const uint32_t all = ~0u;
  std::memcpy(vi + offsetof(vcpu_info_x86_32_t, evtchn_pending_sel), &all, 4);
  time_update_vcpu(hv, t);
  events_check_pending(hv, t);
  return 0;
}

int32_t runstate_info(HypercallCtx& c, Vcpu& t, uint32_t va) {
  abi32::vcpu_runstate_info r{};
  r.state = int32_t(t.ev.runstate);
  r.state_entry_time = t.ev.runstate_entry;
  for (unsigned i = 0; i < 4; ++i) r.time[i] = t.ev.runstate_time[i];
  // The current state's time so far counts in, as in Xen.
  const uint64_t now = vcpu_system_time(c.hv, t);
  if (t.ev.runstate < 4 && now > t.ev.runstate_entry) r.time[t.ev.runstate] += now - t.ev.runstate_entry;
  if (!put_guest(c.hv, c.vcpu, va, r)) return c.reject(-XEN_EFAULT, "vcpu_runstate_info not writable");
  return 0;
}

int32_t register_runstate_area(HypercallCtx& c, Vcpu& t, uint32_t va) {
  uint64_t addr;
  if (!get_guest(c.hv, c.vcpu, va, addr)) return c.reject(-XEN_EFAULT, "vcpu_register_runstate_memory_area not readable");
  t.ev.runstate_area_va = uint32_t(addr);
  if (t.ev.runstate_area_va) {
    abi32::vcpu_runstate_info r{};
    r.state = int32_t(t.ev.runstate);
    r.state_entry_time = t.ev.runstate_entry;
    for (unsigned i = 0; i < 4; ++i) r.time[i] = t.ev.runstate_time[i];
    put_guest(c.hv, c.vcpu, t.ev.runstate_area_va, r);
  }
  return 0;
}

int32_t do_vcpu_op(HypercallCtx& c) {
  const uint32_t cmd = c.arg[0], id = c.arg[1], va = c.arg[2];
  if (id >= c.dom.vcpus.size()) return c.reject(-XEN_ENOENT, "vcpu " + std::to_string(id) + " does not exist");
  Vcpu& t = c.dom.vcpu(id);
  switch (cmd) {
    case VCPUOP_initialise: return initialise(c, t, va);
    case VCPUOP_up: return up(c, t);
    case VCPUOP_down: return down(c, t);
    case VCPUOP_is_up: return t.online ? 1 : 0;
    case VCPUOP_get_runstate_info: return runstate_info(c, t, va);
    case VCPUOP_register_runstate_memory_area: return register_runstate_area(c, t, va);
    case VCPUOP_register_vcpu_info: return register_vcpu_info(c, t, va);
    case VCPUOP_set_periodic_timer:
    case VCPUOP_stop_periodic_timer:
    case VCPUOP_set_singleshot_timer:
    case VCPUOP_stop_singleshot_timer: return vcpu_timer_op(c, cmd, t, va);
    default: return c.reject(-XEN_ENOSYS, "unknown vcpu_op " + std::to_string(cmd));
  }
}

}  // namespace

void register_vcpu_hypercalls(HypercallTable& t) {
  t.add({__HYPERVISOR_vcpu_op, "vcpu_op", {Arg::Cmd, Arg::Uint, Arg::Ptr}, do_vcpu_op});
}

}  // namespace pvlab::hyper
