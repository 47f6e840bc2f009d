// A small machine for MMU tests: RAM, a bus and paging registers, with helpers that write
// page-table entries straight into RAM.
#pragma once
#include <doctest/doctest.h>

#include <cstring>

#include "mmu/bus.h"
#include "mmu/mmu.h"
#include "mmu/paging.h"

namespace pvlab::test {

struct PagingFixture {
  PhysMem ram{16u << 20};
  Bus bus{ram};
  PagingRegs r;

  void w32(paddr_t a, uint32_t v) { std::memcpy(ram.ptr(a), &v, 4); }
  void w64(paddr_t a, uint64_t v) { std::memcpy(ram.ptr(a), &v, 8); }
  uint32_t r32(paddr_t a) const {
    uint32_t v;
    std::memcpy(&v, ram.ptr(a), 4);
    return v;
  }
  uint64_t r64(paddr_t a) const {
    uint64_t v;
    std::memcpy(&v, ram.ptr(a), 8);
    return v;
  }

  // 32-bit paging: page directory at `pd`.
  void use_32bit(uint32_t pd, uint32_t cr4 = 0, uint32_t cr0_extra = 0) {
    r.cr0 = cr0::PE | cr0::PG | cr0_extra;
    r.cr3 = pd;
    r.cr4 = cr4;
    r.efer = 0;
  }
  void pde32(uint32_t pd, laddr_t lin, uint32_t value) { w32(pd + 4 * (lin >> 22), value); }
  void pte32(uint32_t pt, laddr_t lin, uint32_t value) { w32(pt + 4 * ((lin >> 12) & 0x3ff), value); }
  uint32_t pde32_at(uint32_t pd, laddr_t lin) const { return r32(pd + 4 * (lin >> 22)); }
  uint32_t pte32_at(uint32_t pt, laddr_t lin) const { return r32(pt + 4 * ((lin >> 12) & 0x3ff)); }

  // PAE paging: PDPT at `pdpt` (32-byte aligned), loaded into the PDPTE registers.
  void use_pae(uint32_t pdpt, bool nxe = false, uint32_t cr4_extra = 0, uint32_t cr0_extra = 0) {
    r.cr0 = cr0::PE | cr0::PG | cr0_extra;
    r.cr3 = pdpt;
    r.cr4 = cr4::PAE | cr4_extra;
    r.efer = nxe ? efer::NXE : 0;
    REQUIRE(load_pdptes(bus, r, pdpt));
  }
  void pdpte(uint32_t pdpt, laddr_t lin, uint64_t value) { w64(pdpt + 8 * (lin >> 30), value); }
  void pde64(uint32_t pd, laddr_t lin, uint64_t value) { w64(pd + 8 * ((lin >> 21) & 0x1ff), value); }
  void pte64(uint32_t pt, laddr_t lin, uint64_t value) { w64(pt + 8 * ((lin >> 12) & 0x1ff), value); }
  uint64_t pde64_at(uint32_t pd, laddr_t lin) const { return r64(pd + 8 * ((lin >> 21) & 0x1ff)); }
  uint64_t pte64_at(uint32_t pt, laddr_t lin) const { return r64(pt + 8 * ((lin >> 12) & 0x1ff)); }

  WalkResult walk(laddr_t lin, unsigned access, bool update = true) {
    return page_walk(bus, r, lin, access, update);
  }
};

// Entry bits as plain integers for building tables.
constexpr uint32_t P = 1, RW = 2, US = 4, A = 0x20, D = 0x40, PS = 0x80, G = 0x100;
constexpr uint64_t XD = 1ull << 63;

}  // namespace pvlab::test
