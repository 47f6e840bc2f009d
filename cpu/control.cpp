// Control registers and their effect on paging, the TLB and the decoded-block cache.
//
// PAE PDPTE registers (SDM 4.4.1): they are loaded from CR3 by MOV to CR3 while PAE paging is
// in use, and by MOV to CR0 / CR4 when PAE paging is in use after the write and the write
// changes CR0.PG, CR0.CD, CR0.NW, CR4.PAE, CR4.PGE or CR4.PSE. A present PDPTE with a reserved
// bit set makes the MOV fault with #GP(0), leaving the control register and the PDPTE
// registers as they were.
//
// TLB flushes: CR3 writes drop non-global entries; changing CR0.PG, CR0.WP, CR0.PE, CR4.PAE,
// CR4.PSE or CR4.PGE drops everything (the TLB caches access decisions that depend on them).
// The decoded-block cache is keyed by physical address and needs no flush here.
#include "cpu/cpu.h"

namespace pvlab {

namespace {

// Read the four PDPTEs at `cr3` into the CPU state; false (nothing changed) when a present
// one has reserved bits set.
bool load_pdpte_registers(Cpu& c, uint32_t cr3) {
  PagingRegs tmp = c.mmu().regs();
  if (!load_pdptes(c.bus(), tmp, cr3)) return false;
  for (unsigned i = 0; i < 4; ++i) c.s.pdpte[i] = tmp.pdpte[i];
  return true;
}

}  // namespace

void Cpu::sync_paging() {
  PagingRegs& r = mmu_.regs();
  r.cr0 = s.cr0;
  r.cr3 = s.cr3;
  r.cr4 = s.cr4;
  r.efer = s.msr.efer;
  for (unsigned i = 0; i < 4; ++i) r.pdpte[i] = s.pdpte[i];
}

bool Cpu::write_cr0(uint32_t v) {
  // Writes to reserved bits are ignored (they read as zero; only 64-bit processors fault on
  // CR0[63:32]); PG without PE and NW without CD are invalid combinations (#GP(0)).
  constexpr uint32_t kValid = cr0::PE | cr0::MP | cr0::EM | cr0::TS | cr0::ET | cr0::NE |
                              cr0::WP | cr0::AM | cr0::NW | cr0::CD | cr0::PG;
  v &= kValid;
  if ((v & cr0::PG) && !(v & cr0::PE)) return gp(0);
  if ((v & cr0::NW) && !(v & cr0::CD)) return gp(0);
  v |= cr0::ET;  // hard-wired on P6
  const uint32_t old = s.cr0;
  if ((v & cr0::PG) && (s.cr4 & cr4::PAE) && ((old ^ v) & (cr0::PG | cr0::CD | cr0::NW))) {
    if (!load_pdpte_registers(*this, s.cr3)) return gp(0);
  }
  s.cr0 = v;
  sync_paging();
  if ((old ^ v) & (cr0::PG | cr0::WP | cr0::PE)) mmu_.flush(true);
  if ((old ^ v) & cr0::PE) update_mode();
  end_block();
  return true;
}

bool Cpu::write_cr3(uint32_t v) {
  if ((s.cr0 & cr0::PG) && (s.cr4 & cr4::PAE)) {
    if (!load_pdpte_registers(*this, v)) return gp(0);
  }
  s.cr3 = v;
  sync_paging();
  mmu_.flush(false);
  end_block();
  return true;
}

bool Cpu::write_cr4(uint32_t v) {
  // The bits of features the processor model has (cpu/model.h); MCE, OSFXSR and OSXMMEXCPT
  // are reserved without machine checks, FXSAVE and SSE, and a reserved bit set is #GP(0).
  constexpr uint32_t kValid = cr4::VME | cr4::PVI | cr4::TSD | cr4::DE | cr4::PSE | cr4::PAE |
                              cr4::PGE | cr4::PCE;
  if (v & ~kValid) return gp(0);
  const uint32_t old = s.cr4;
  if ((s.cr0 & cr0::PG) && (v & cr4::PAE) && ((old ^ v) & (cr4::PAE | cr4::PGE | cr4::PSE))) {
    if (!load_pdpte_registers(*this, s.cr3)) return gp(0);
  }
  s.cr4 = v;
  sync_paging();
  if ((old ^ v) & (cr4::PSE | cr4::PAE | cr4::PGE)) mmu_.flush(true);
  if ((old ^ v) & cr4::DE) update_debug_state();  // I/O breakpoints depend on DE
  end_block();
  return true;
}

}  // namespace pvlab
