// Privileged-instruction emulation on #GP(0), as Xen's emulate_privileged_op does for a PV
// guest. The kernel runs in ring 1 with the real IOPL 0, so these fault on the processor
// and arrive here; what a PV kernel may do is carried out on its virtual state:
//
//   instruction             who          what happens
//   CLI / STI               vIOPL >= CPL  the upcall mask (STI: pending events are taken at
//                                         the next instruction boundary)
//   IN/OUT/INS/OUTS         vIOPL >= CPL  no devices: reads give all ones, writes are dropped
//   SYSENTER                ring 3        the sysenter callback, when one is registered
//   MOV from CR0            ring 1        the real CR0 with the virtual TS
//   MOV to CR0, LMSW, CLTS  ring 1        only TS may change (fpu_taskswitch)
//   MOV from/to CR2         ring 1        the guest's CR2 (also vcpu_info.arch.cr2)
//   MOV from CR3            ring 1        xen_pfn_to_cr3(the L3's frame)
//   MOV to CR3              ring 1        a new page-table base, validated (MMUEXT_NEW_BASEPTR)
//   MOV from/to CR4         ring 1        PAE and PGE shown; TSD and DE the guest's own
//   MOV from/to DRn         ring 1        set_debugreg / get_debugreg's rules
//   RDMSR / WRMSR           ring 1        the PV MSR policy (emulate_msr.cpp)
//   RDTSC with CR4.TSD      ring 1        the time-stamp counter
//   WBINVD / INVD           ring 1        nothing (pvlab has no caches)
// Anything else, or any of these from a ring not listed, stays a #GP for the guest; HLT
// among them, as in Xen: a PV kernel idles with SCHEDOP_block.
#include "hyper/emulate.h"

#include "cpu/cpu.h"
#include "cpu/decode/decoder.h"
#include "hyper/events.h"
#include "hyper/hypervisor.h"
#include "hyper/mm.h"
#include "hyper/schedule.h"
#include "hyper/traps.h"

namespace pvlab::hyper {

namespace {

const Decoder& decoder() {
  static const Decoder d;   // immutable once built: no state shared between machines
  return d;
}

// The 32-bit ABI's CR3 encoding of a frame number: xen_pfn_to_cr3 / xen_cr3_to_pfn of
// xen/arch-x86/xen-x86_32.h (the host headers define the 64-bit ones).
constexpr uint32_t pfn_to_cr3_32(uint32_t pfn) { return (pfn << 12) | (pfn >> 20); }
constexpr uint32_t cr3_to_pfn_32(uint32_t cr3) { return (cr3 >> 12) | (cr3 << 20); }

// Decode the instruction at CS:EIP. False when it cannot be fetched or decoded.
bool decode_at_eip(Hypervisor& hv, Vcpu& v, Insn& insn) {
  uint8_t buf[15];
  const unsigned n = fetch_guest_code(hv, v, buf, sizeof buf);
  if (n == 0) return false;
  return decoder().decode(buf, n, v.cpu->code32(), insn) == DecodeStatus::Ok;
}

bool iopl_ok(const Vcpu& v) { return v.iopl >= (v.cpu->s.cpl == 3 ? 3 : 1); }

void advance(Cpu& c, const Insn& i) {
  c.s.eip = c.code32() ? c.s.eip + i.len : ((c.s.eip + i.len) & 0xffff);
  c.set_flags(0, fl::RF);
}

uint32_t all_ones(unsigned size) { return size == 4 ? 0xffffffffu : (1u << (8 * size)) - 1; }

unsigned string_size(uint16_t mnemonic) {
  switch (mnemonic) {
    case ZYDIS_MNEMONIC_INSB: case ZYDIS_MNEMONIC_OUTSB: return 1;
    case ZYDIS_MNEMONIC_INSW: case ZYDIS_MNEMONIC_OUTSW: return 2;
    default: return 4;
  }
}

// INS / OUTS, with REP: at most kChunk iterations per emulation; the instruction is then
// restarted for the rest, as the processor does between iterations.
void string_io(Hypervisor& hv, Vcpu& v, const Insn& i, bool in) {
  constexpr uint32_t kChunk = 4096;
  Cpu& c = *v.cpu;
  const unsigned size = string_size(i.mnemonic);
  const uint32_t amask = i.asize == 4 ? 0xffffffffu : 0xffffu;
  const unsigned idx = in ? EDI : ESI;
  const unsigned seg = in ? unsigned(ES) : unsigned(i.mem.seg);
  const int32_t step = (c.flags() & fl::DF) ? -int32_t(size) : int32_t(size);
  const bool rep = i.rep();
  uint32_t count = rep ? (c.s.r[ECX] & amask) : 1;
  for (uint32_t k = 0; count && k < kChunk; ++k) {
    const uint32_t off = c.s.r[idx] & amask;
    GuestFault f;
    uint32_t value;
    const bool ok = in ? guest_write(hv, v, seg, off, size, all_ones(size), f)
                       : guest_read(hv, v, seg, off, size, value, f);
    if (!ok) {
      inject_fault(hv, v, f);
      return;
    }
    c.s.r[idx] = (c.s.r[idx] & ~amask) | ((off + uint32_t(step)) & amask);
    --count;
    if (rep) c.s.r[ECX] = (c.s.r[ECX] & ~amask) | count;
  }
  if (count == 0) advance(c, i);
}

bool port_io(Hypervisor& hv, Vcpu& v, const Insn& i) {
  Cpu& c = *v.cpu;
  if (!iopl_ok(v)) return false;
  switch (i.mnemonic) {
    case ZYDIS_MNEMONIC_IN:
      c.set_reg(EAX, i.op[0].size, all_ones(i.op[0].size));
      break;
    case ZYDIS_MNEMONIC_OUT: break;   // no device listens
    case ZYDIS_MNEMONIC_INSB: case ZYDIS_MNEMONIC_INSW: case ZYDIS_MNEMONIC_INSD:
      string_io(hv, v, i, true);
      return true;
    default:
      string_io(hv, v, i, false);
      return true;
  }
  advance(c, i);
  return true;
}

// SYSENTER from ring 3 with a callback registered: Xen's frame with EIP and ESP 0 (the
// kernel knows where the application's return address and stack are by convention).
bool sysenter(Hypervisor& hv, Vcpu& v) {
  if (v.cpu->s.cpl != 3 || !v.sysenter_callback.set()) return false;
  Bounce b;
  b.cs = v.sysenter_callback.cs;
  b.eip = v.sysenter_callback.eip;
  b.mask_events = v.sysenter_masks_events;
  b.null_eip_esp = true;
  std::string why;
  if (!bounce_to_guest(hv, v, b, why)) hv.crash(v, "SYSENTER to the sysenter callback: " + why);
  return true;
}

bool read_cr(Vcpu& v, unsigned n, uint32_t& value) {
  switch (n) {
    case 0: value = guest_cr0(v); return true;
    case 2: value = v.guest_cr2; return true;
    case 3: value = pfn_to_cr3_32(v.cr3_mfn); return true;
    case 4: value = guest_cr4(v); return true;
    default: return false;
  }
}

// CR0: only TS may change (Xen refuses anything else with #GP).
bool write_cr0(Vcpu& v, uint32_t value) {
  if ((value ^ guest_cr0(v)) & ~cr0::TS) return false;
  set_guest_ts(v, value & cr0::TS);
  return true;
}

bool write_cr(Hypervisor& hv, Vcpu& v, unsigned n, uint32_t value) {
  Cpu& c = *v.cpu;
  switch (n) {
    case 0: return write_cr0(v, value);
    case 2: set_guest_cr2(hv, v, value); return true;
    case 3: {
      std::string why;
      return mm_set_baseptr(hv, v, cr3_to_pfn_32(value), why) == 0;
    }
    case 4: {
      // The guest owns TSD and DE; the bits it sees but does not own keep their values.
      constexpr uint32_t kGuestOwned = cr4::TSD | cr4::DE;
      const uint32_t old = c.s.cr4;
      c.s.cr4 = (old & ~kGuestOwned) | (value & kGuestOwned);
      if ((old ^ c.s.cr4) & cr4::DE) c.update_debug_state();
      c.end_block();
      return true;
    }
    default: return false;
  }
}

// What an emulated operation came to.
enum class Outcome { Done, Bounced, Refused };

// MOV to or from CRn / DRn: the other operand is always a 32-bit general register.
Outcome mov_system(Hypervisor& hv, Vcpu& v, const Insn& i) {
  Cpu& c = *v.cpu;
  const Operand &dst = i.op[0], &src = i.op[1];
  auto done = [](bool ok) { return ok ? Outcome::Done : Outcome::Refused; };
  if (dst.kind == OpKind::CReg) return done(write_cr(hv, v, dst.reg, c.s.r[src.reg]));
  if (src.kind == OpKind::CReg) return done(read_cr(v, src.reg, c.s.r[dst.reg]));
  const bool to_dr = dst.kind == OpKind::DReg;
  unsigned n = to_dr ? dst.reg : src.reg;
  if (n == 4 || n == 5) {
    if (guest_cr4(v) & cr4::DE) {
      inject_exception(hv, v, exc::UD, false, 0, c.s.eip);
      return Outcome::Bounced;
    }
    n += 2;
  }
  if (to_dr) {
    std::string why;
    return done(set_guest_debugreg(v, n, c.s.r[src.reg], why) == 0);
  }
  return done(get_guest_debugreg(v, n, c.s.r[dst.reg]));
}

bool is_system_mov(const Insn& i) {
  if (i.mnemonic != ZYDIS_MNEMONIC_MOV || i.nops != 2) return false;
  for (unsigned k = 0; k < 2; ++k)
    if (i.op[k].kind == OpKind::CReg || i.op[k].kind == OpKind::DReg) return true;
  return false;
}

// LMSW: the low four bits of CR0; PE cannot be cleared. Under the CR0 rule only TS may move.
bool lmsw(Hypervisor& hv, Vcpu& v, const Insn& i) {
  Cpu& c = *v.cpu;
  uint32_t src;
  if (i.op[0].kind == OpKind::Reg) {
    src = c.reg(i.op[0].reg, 2);
  } else {
    GuestFault f;
    if (!guest_read(hv, v, i.mem.seg, c.ea(i), 2, src, f)) {
      inject_fault(hv, v, f);
      return true;
    }
  }
  const uint32_t cur = guest_cr0(v);
  const uint32_t low = cr0::MP | cr0::EM | cr0::TS;
  if (!write_cr0(v, (cur & ~low) | (src & low) | (cur & cr0::PE))) return false;
  advance(c, i);
  return true;
}

// The privileged instructions of the table above, ring 1 only. True when carried out (EIP
// has moved past it, or an exception was bounced instead).
bool kernel_op(Hypervisor& hv, Vcpu& v, const Insn& i) {
  Cpu& c = *v.cpu;
  switch (i.mnemonic) {
    case ZYDIS_MNEMONIC_MOV:
      if (!is_system_mov(i)) return false;
      switch (mov_system(hv, v, i)) {
        case Outcome::Refused: return false;
        case Outcome::Bounced: return true;
        case Outcome::Done: break;
      }
      break;
    case ZYDIS_MNEMONIC_CLTS:
      set_guest_ts(v, false);
      break;
    case ZYDIS_MNEMONIC_LMSW: return lmsw(hv, v, i);
    case ZYDIS_MNEMONIC_RDMSR: {
      uint64_t value;
      if (!pv_rdmsr(hv, v, c.s.r[ECX], value)) return false;
      c.s.r[EAX] = uint32_t(value);
      c.s.r[EDX] = uint32_t(value >> 32);
      break;
    }
    case ZYDIS_MNEMONIC_WRMSR:
      if (!pv_wrmsr(hv, v, c.s.r[ECX], c.s.r[EAX] | (uint64_t(c.s.r[EDX]) << 32))) return false;
      break;
    case ZYDIS_MNEMONIC_RDTSC: {
      const uint64_t tsc = read_tsc(c);
      c.s.r[EAX] = uint32_t(tsc);
      c.s.r[EDX] = uint32_t(tsc >> 32);
      break;
    }
    case ZYDIS_MNEMONIC_WBINVD:
    case ZYDIS_MNEMONIC_INVD: break;
    default: return false;
  }
  advance(c, i);
  return true;
}

}  // namespace

bool emulate_gp(Hypervisor& hv, Vcpu& v) {
  Cpu& c = *v.cpu;
  Insn i;
  if (!decode_at_eip(hv, v, i) || i.has_lock()) return false;
  switch (i.mnemonic) {
    case ZYDIS_MNEMONIC_CLI:
    case ZYDIS_MNEMONIC_STI:
      if (!iopl_ok(v)) return false;
      set_vcpu_upcall_mask(hv, v, i.mnemonic == ZYDIS_MNEMONIC_CLI ? 1 : 0);
      advance(c, i);
      return true;
    case ZYDIS_MNEMONIC_IN: case ZYDIS_MNEMONIC_OUT:
    case ZYDIS_MNEMONIC_INSB: case ZYDIS_MNEMONIC_INSW: case ZYDIS_MNEMONIC_INSD:
    case ZYDIS_MNEMONIC_OUTSB: case ZYDIS_MNEMONIC_OUTSW: case ZYDIS_MNEMONIC_OUTSD:
      return port_io(hv, v, i);
    case ZYDIS_MNEMONIC_SYSENTER: return sysenter(hv, v);
    default: break;
  }
  if (c.s.cpl != 1) return false;
  return kernel_op(hv, v, i);
}

}  // namespace pvlab::hyper
