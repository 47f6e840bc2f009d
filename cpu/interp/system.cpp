// System instructions: control and debug registers, CPUID, the time-stamp and performance
// counters, MSRs, SYSENTER/SYSEXIT, cache and TLB control, HLT, WAIT, and port I/O.
// Descriptor-table and selector instructions (LGDT.., LLDT, LTR, LAR, LSL, VERR, ARPL) are in
// descriptor.cpp.
//
// Privileged instructions fault with #GP(0) at CPL > 0, which includes virtual-8086 mode
// (CPL 3); in real mode CPL is 0 and they run.
#include "cpu/interp/groups.h"
#include "cpu/model.h"

namespace pvlab::interp {

namespace {

constexpr uint32_t kDr6Bd = 1u << 13;
constexpr uint32_t kDr7Gd = 1u << 13;
// DR6: bits 4-11 and 16-31 read as one, bit 12 as zero. DR7: bit 10 reads as one, bits 11,
// 12, 14 and 15 as zero.
constexpr uint32_t kDr6Fixed1 = 0xffff0ff0u, kDr6Writable = 0x0000e00fu;
constexpr uint32_t kDr7Fixed1 = 0x00000400u, kDr7Writable = 0xffff23ffu;

bool hlt(Cpu& c, const Insn&) {
  if (c.s.cpl != 0) return c.gp(0);
  c.s.halted = 1;
  c.end_block();
  return true;
}

// ---- control registers ---------------------------------------------------------------------

bool read_cr(Cpu& c, unsigned n, uint32_t& v) {
  switch (n) {
    case 0: v = c.s.cr0; return true;
    case 2: v = c.s.cr2; return true;
    case 3: v = c.s.cr3; return true;
    case 4: v = c.s.cr4; return true;
    default: return c.ud();
  }
}

bool write_cr(Cpu& c, unsigned n, uint32_t v) {
  switch (n) {
    case 0: return c.write_cr0(v);
    case 2: c.s.cr2 = v; return true;
    case 3: return c.write_cr3(v);
    case 4: return c.write_cr4(v);
    default: return c.ud();
  }
}

// LMSW: the low four bits of CR0 (PE, MP, EM, TS); PE can be set but not cleared.
bool lmsw(Cpu& c, const Insn& i) {
  if (c.s.cpl != 0) return c.gp(0);
  uint32_t v;
  if (!c.load(i, 0, v)) return false;
  const uint32_t low = cr0::PE | cr0::MP | cr0::EM | cr0::TS;
  return c.write_cr0((c.s.cr0 & ~(low & ~cr0::PE)) | (v & low));
}

// SMSW: a memory destination gets 16 bits; a register gets CR0 at the operand size.
bool smsw(Cpu& c, const Insn& i) { return c.store(i, 0, c.s.cr0); }

bool clts(Cpu& c, const Insn&) {
  if (c.s.cpl != 0) return c.gp(0);
  c.s.cr0 &= ~cr0::TS;
  c.sync_paging();
  return true;
}

// ---- caches and the TLB --------------------------------------------------------------------

bool invlpg(Cpu& c, const Insn& i) {
  if (c.s.cpl != 0) return c.gp(0);
  c.mmu().invlpg(c.s.seg[i.mem.seg].base + c.ea(i));
  return true;
}

// WBINVD / INVD: pvlab models no caches.
bool cache_flush(Cpu& c, const Insn&) {
  if (c.s.cpl != 0) return c.gp(0);
  return true;
}

// LFENCE, MFENCE, SFENCE: ordering only, and pvlab's memory is sequentially consistent.
// They are SSE2's (SFENCE SSE's) and CPUID does not offer SSE, but PV kernels built for Xen
// (whose hosts all have SSE2) use them unconditionally, so the model runs them as no-ops.
bool fence(Cpu&, const Insn&) { return true; }

// WAIT / FWAIT: #NM when CR0.MP and CR0.TS are both set; there are no pending x87 exceptions.
bool fwait(Cpu& c, const Insn&) {
  if ((c.s.cr0 & (cr0::MP | cr0::TS)) == (cr0::MP | cr0::TS)) return c.raise(exc::NM);
  return true;
}

// ---- identification, time and MSRs ---------------------------------------------------------

bool cpuid_insn(Cpu& c, const Insn&) {
  const uint32_t leaf = c.s.r[EAX];
  CpuidResult r = cpuid(leaf, c.s.r[ECX]);
  // Leaf 1 also latches the microcode revision into IA32_BIOS_SIGN_ID.
  if (leaf == 1) c.s.msr.bios_sign_id = uint64_t(kMicrocodeRevision) << 32;
  c.s.r[EAX] = r.eax;
  c.s.r[EBX] = r.ebx;
  c.s.r[ECX] = r.ecx;
  c.s.r[EDX] = r.edx;
  return true;
}

void set_edx_eax(Cpu& c, uint64_t v) {
  c.s.r[EAX] = uint32_t(v);
  c.s.r[EDX] = uint32_t(v >> 32);
}

bool rdtsc(Cpu& c, const Insn&) {
  if ((c.s.cr4 & cr4::TSD) && c.s.cpl != 0) return c.gp(0);
  set_edx_eax(c, read_tsc(c));
  return true;
}

// RDPMC: the two P6 counters, readable at CPL 0 or with CR4.PCE; they never count.
bool rdpmc(Cpu& c, const Insn&) {
  if (!(c.s.cr4 & cr4::PCE) && c.s.cpl != 0) return c.gp(0);
  const uint32_t n = c.s.r[ECX];
  if (n > 1) return c.gp(0);
  set_edx_eax(c, c.s.msr.perfctr[n] & 0xffffffffffull);
  return true;
}

bool rdmsr(Cpu& c, const Insn&) {
  if (c.s.cpl != 0) return c.gp(0);
  uint64_t v;
  if (!read_msr(c, c.s.r[ECX], v)) return c.gp(0);
  set_edx_eax(c, v);
  return true;
}

bool wrmsr(Cpu& c, const Insn&) {
  if (c.s.cpl != 0) return c.gp(0);
  const uint64_t v = c.s.r[EAX] | (uint64_t(c.s.r[EDX]) << 32);
  if (!write_msr(c, c.s.r[ECX], v)) return c.gp(0);
  return true;
}

// ---- SYSENTER / SYSEXIT --------------------------------------------------------------------

// The flat 4 GiB segment SYSENTER and SYSEXIT load without reading a descriptor.
void flat_segment(Cpu& c, unsigned seg, uint16_t sel, bool code, unsigned dpl) {
  SegCache& s = c.s.seg[seg];
  s.sel = sel;
  s.base = 0;
  s.limit = 0xffffffffu;
  s.attr = uint16_t(sa::P | sa::S | sa::RW | sa::ACCESSED | sa::DB | sa::G |
                    (code ? sa::CODE : 0) | (dpl << sa::kDplShift));
}

bool sysenter(Cpu& c, const Insn&) {
  const uint16_t cs = uint16_t(c.s.msr.sysenter_cs);
  if (!(c.s.cr0 & cr0::PE) || (cs & 0xfffc) == 0) return c.gp(0);
  c.s.eflags &= ~(fl::VM | fl::IF | fl::RF);
  flat_segment(c, CS, cs & 0xfffc, true, 0);
  flat_segment(c, SS, uint16_t((cs & 0xfffc) + 8), false, 0);
  c.set_cpl(0);
  c.update_mode();
  c.s.r[ESP] = uint32_t(c.s.msr.sysenter_esp);
  c.next_eip = uint32_t(c.s.msr.sysenter_eip);
  c.end_block();
  return true;
}

bool sysexit(Cpu& c, const Insn&) {
  const uint16_t cs = uint16_t(c.s.msr.sysenter_cs);
  if (!(c.s.cr0 & cr0::PE) || (cs & 0xfffc) == 0 || c.s.cpl != 0) return c.gp(0);
  flat_segment(c, CS, uint16_t((cs + 16) | 3), true, 3);
  flat_segment(c, SS, uint16_t((cs + 24) | 3), false, 3);
  c.set_cpl(3);
  c.update_mode();
  c.s.r[ESP] = c.s.r[ECX];
  c.next_eip = c.s.r[EDX];
  c.end_block();
  return true;
}

// ---- port I/O ------------------------------------------------------------------------------

// IN/OUT: the port is an immediate or DX; the data register is AL/AX/EAX. Real mode, and
// protected mode at CPL <= IOPL, may use any port; otherwise (V86 mode always) the TSS I/O
// permission bitmap decides (Cpu::io_allowed).
uint16_t port_of(const Cpu& c, const Operand& o, const Insn& i) {
  return o.kind == OpKind::Imm ? uint16_t(i.imm) : uint16_t(c.s.r[EDX]);
}

bool in(Cpu& c, const Insn& i) {
  uint16_t port = port_of(c, i.op[1], i);
  unsigned size = i.op[0].size;
  if (!c.io_allowed(port, size)) return c.gp(0);
  c.set_reg(EAX, size, c.bus().port_in(port, size));
  return true;
}

bool out(Cpu& c, const Insn& i) {
  uint16_t port = port_of(c, i.op[0], i);
  unsigned size = i.op[1].size;
  if (!c.io_allowed(port, size)) return c.gp(0);
  c.bus().port_out(port, size, c.reg(EAX, size));
  return true;
}

}  // namespace

// MOV to / from CR0, CR2, CR3, CR4. The ModRM mod field is ignored: the other operand is
// always a 32-bit general register. CR1 and CR5-CR7 are #UD.
bool mov_cr(Cpu& c, const Insn& i) {
  if (c.s.cpl != 0) return c.gp(0);
  if (i.op[0].kind == OpKind::CReg) return write_cr(c, i.op[0].reg, c.s.r[i.op[1].reg]);
  uint32_t v;
  if (!read_cr(c, i.op[1].reg, v)) return false;
  c.s.r[i.op[0].reg] = v;
  return true;
}

// MOV to / from DR0-DR7. DR4 and DR5 are DR6 and DR7 unless CR4.DE makes them #UD; with
// DR7.GD set any access is a #DB fault with DR6.BD (GD clears so the handler can proceed).
bool mov_dr(Cpu& c, const Insn& i) {
  if (c.s.cpl != 0) return c.gp(0);
  const bool to_dr = i.op[0].kind == OpKind::DReg;
  unsigned n = to_dr ? i.op[0].reg : i.op[1].reg;
  if (n == 4 || n == 5) {
    if (c.s.cr4 & cr4::DE) return c.ud();
    n += 2;
  }
  if (c.s.dr[7] & kDr7Gd) {
    c.s.dr[6] |= kDr6Bd;
    c.s.dr[7] &= ~kDr7Gd;
    return c.raise(exc::DB);
  }
  if (!to_dr) {
    c.s.r[i.op[0].reg] = c.s.dr[n];
    return true;
  }
  const uint32_t v = c.s.r[i.op[1].reg];
  switch (n) {
    case 6: c.s.dr[6] = (v & kDr6Writable) | kDr6Fixed1; break;
    case 7:
      c.s.dr[7] = (v & kDr7Writable) | kDr7Fixed1;
      c.update_debug_state();
      break;
    default: c.s.dr[n] = v; break;
  }
  c.end_block();
  return true;
}

void register_system(OpTable& t) {
  t.set(ZYDIS_MNEMONIC_HLT, hlt, iflag::ENDS_BLOCK);
  t.set(ZYDIS_MNEMONIC_LMSW, lmsw, iflag::ENDS_BLOCK, 8);
  t.set(ZYDIS_MNEMONIC_SMSW, smsw);
  t.set(ZYDIS_MNEMONIC_CLTS, clts, 0, 4);
  t.set(ZYDIS_MNEMONIC_INVLPG, invlpg, iflag::ENDS_BLOCK, 8);
  t.set(ZYDIS_MNEMONIC_WBINVD, cache_flush, 0, 20);
  t.set(ZYDIS_MNEMONIC_INVD, cache_flush, 0, 20);
  t.set(ZYDIS_MNEMONIC_FWAIT, fwait);
  t.set(ZYDIS_MNEMONIC_LFENCE, fence);
  t.set(ZYDIS_MNEMONIC_MFENCE, fence);
  t.set(ZYDIS_MNEMONIC_SFENCE, fence);
  t.set(ZYDIS_MNEMONIC_CPUID, cpuid_insn, 0, 20);
  t.set(ZYDIS_MNEMONIC_RDTSC, rdtsc, 0, 4);
  t.set(ZYDIS_MNEMONIC_RDPMC, rdpmc, 0, 4);
  t.set(ZYDIS_MNEMONIC_RDMSR, rdmsr, 0, 8);
  t.set(ZYDIS_MNEMONIC_WRMSR, wrmsr, iflag::ENDS_BLOCK, 8);
  t.set(ZYDIS_MNEMONIC_SYSENTER, sysenter, iflag::ENDS_BLOCK, 8);
  t.set(ZYDIS_MNEMONIC_SYSEXIT, sysexit, iflag::ENDS_BLOCK, 8);
  t.set(ZYDIS_MNEMONIC_IN, in, 0, 8);
  t.set(ZYDIS_MNEMONIC_OUT, out, iflag::ENDS_BLOCK, 8);
  register_descriptor(t);
}

}  // namespace pvlab::interp
