// Control registers and their effect on paging, the TLB and the decoded-block cache.
#include "cpu/cpu.h"

namespace pvlab {

void Cpu::sync_paging() {
  PagingRegs& r = mmu_.regs();
  r.cr0 = s.cr0;
  r.cr3 = s.cr3;
  r.cr4 = s.cr4;
  r.efer = s.msr.efer;
}

bool Cpu::write_cr0(uint32_t v) {
  // Reserved bits #GP; PG without PE and NW without CD are invalid combinations.
  constexpr uint32_t kValid = cr0::PE | cr0::MP | cr0::EM | cr0::TS | cr0::ET | cr0::NE |
                              cr0::WP | cr0::AM | cr0::NW | cr0::CD | cr0::PG;
  if (v & ~kValid) return gp(0);
  if ((v & cr0::PG) && !(v & cr0::PE)) return gp(0);
  if ((v & cr0::NW) && !(v & cr0::CD)) return gp(0);
  v |= cr0::ET;  // hard-wired on P6
  uint32_t old = s.cr0;
  if ((v & cr0::PG) && !(old & cr0::PG) && (s.cr4 & cr4::PAE)) {
    if (!load_pdptes(bus_, mmu_.regs(), s.cr3)) return gp(0);
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
    if (!load_pdptes(bus_, mmu_.regs(), v)) return gp(0);
  }
  s.cr3 = v;
  sync_paging();
  mmu_.flush(false);
  end_block();
  return true;
}

bool Cpu::write_cr4(uint32_t v) {
  constexpr uint32_t kValid = cr4::VME | cr4::PVI | cr4::TSD | cr4::DE | cr4::PSE | cr4::PAE |
                              cr4::MCE | cr4::PGE | cr4::PCE | cr4::OSFXSR | cr4::OSXMMEXCPT;
  if (v & ~kValid) return gp(0);
  uint32_t old = s.cr4;
  if ((s.cr0 & cr0::PG) && (v & cr4::PAE) && !(old & cr4::PAE)) {
    if (!load_pdptes(bus_, mmu_.regs(), s.cr3)) return gp(0);
  }
  s.cr4 = v;
  sync_paging();
  if ((old ^ v) & (cr4::PSE | cr4::PAE | cr4::PGE)) mmu_.flush(true);
  end_block();
  return true;
}

}  // namespace pvlab
