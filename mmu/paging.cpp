#include "mmu/paging.h"

#include "mmu/bus.h"

namespace pvlab {

namespace {

constexpr uint64_t kPhysMask = (1ull << kMaxPhysBits) - 1;

uint64_t read_entry(Bus& bus, const PagingRegs& r, paddr_t addr, bool wide) {
  addr &= r.a20_mask;
  if (!wide) return bus.read(addr, 4);
  return uint64_t(bus.read(addr, 4)) | (uint64_t(bus.read(addr + 4, 4)) << 32);
}

void write_low(Bus& bus, const PagingRegs& r, paddr_t addr, uint32_t low) {
  bus.write(addr & r.a20_mask, 4, low);
}

// Reserved bits of a PAE entry above MAXPHYADDR, plus NX when EFER.NXE is clear.
uint64_t pae_reserved(const PagingRegs& r) {
  uint64_t rsv = (~kPhysMask) & ~pte::NX & ~0xfffull;  // bits 36..62
  if (!r.nx()) rsv |= pte::NX;
  return rsv;
}

}  // namespace

bool page_access_allowed(const PagingRegs& regs, uint8_t perms, unsigned access) {
  bool user = access & kUser;
  if (user && !(perms & perm::U)) return false;
  if (access & kWrite) {
    if (!(perms & perm::W) && (user || (regs.cr0 & cr0::WP))) return false;
  }
  if ((access & kFetch) && (perms & perm::NX)) return false;
  return true;
}

WalkResult page_walk(Bus& bus, const PagingRegs& r, laddr_t lin, unsigned access, bool update) {
  WalkResult w;
  const bool write = access & kWrite;
  uint32_t base_err = (write ? pferr::W : 0) | ((access & kUser) ? pferr::U : 0) |
                      (((access & kFetch) && r.nx()) ? pferr::ID : 0);

  if (!r.paging()) {
    w.ok = true;
    w.phys = lin & r.a20_mask;
    w.perms = perm::W | perm::U | perm::D;
    return w;
  }

  uint64_t leaf = 0;        // the entry that maps the page
  paddr_t leaf_addr = 0;
  bool wide = r.pae();
  uint8_t perms = perm::W | perm::U;
  paddr_t upper_addr[3];
  int nupper = 0;           // non-leaf entries read from memory (for A-bit updates)

  auto fault = [&](uint32_t extra) {
    w.ok = false;
    w.error = base_err | extra;
    return w;
  };
  auto combine = [&](uint64_t e) {
    if (!(e & pte::RW)) perms &= ~perm::W;
    if (!(e & pte::US)) perms &= ~perm::U;
    if (wide && r.nx() && (e & pte::NX)) perms |= perm::NX;
  };

  if (!wide) {
    paddr_t pde_addr = (r.cr3 & 0xfffff000u) + ((lin >> 22) << 2);
    uint64_t pde = read_entry(bus, r, pde_addr, false);
    w.level[w.nlevels++] = {pde_addr, pde};
    if (!(pde & pte::P)) return fault(0);
    if ((pde & pte::PS) && (r.cr4 & cr4::PSE)) {
      // 4 MiB page; PSE-36 puts physical bits 32..35 in bits 13..16; 17..21 are reserved.
      if (pde & 0x003e0000u) return fault(pferr::P | pferr::RSVD);
      combine(pde);
      if (pde & pte::G && (r.cr4 & cr4::PGE)) perms |= perm::G;
      leaf = pde;
      leaf_addr = pde_addr;
      w.page_size = 4u << 20;
      w.phys = (pde & 0xffc00000u) | (((pde >> 13) & 0xfull) << 32) | (lin & 0x3fffffu);
      perms |= perm::LARGE;
    } else {
      combine(pde);
      upper_addr[nupper++] = pde_addr;
      paddr_t pte_addr = (pde & 0xfffff000u) + (((lin >> 12) & 0x3ff) << 2);
      uint64_t e = read_entry(bus, r, pte_addr, false);
      w.level[w.nlevels++] = {pte_addr, e};
      if (!(e & pte::P)) return fault(0);
      combine(e);
      if (e & pte::G && (r.cr4 & cr4::PGE)) perms |= perm::G;
      leaf = e;
      leaf_addr = pte_addr;
      w.phys = (e & 0xfffff000u) | (lin & kPageMask);
    }
  } else {
    const uint64_t rsv = pae_reserved(r);
    uint64_t pdpte = r.pdpte[lin >> 30];
    w.level[w.nlevels++] = {(r.cr3 & 0xffffffe0u) + ((lin >> 30) << 3), pdpte};
    if (!(pdpte & pte::P)) return fault(0);
    paddr_t pde_addr = (pdpte & kPhysMask & ~0xfffull) + (((lin >> 21) & 0x1ff) << 3);
    uint64_t pde = read_entry(bus, r, pde_addr, true);
    w.level[w.nlevels++] = {pde_addr, pde};
    if (!(pde & pte::P)) return fault(0);
    if (pde & rsv) return fault(pferr::P | pferr::RSVD);
    if (pde & pte::PS) {
      if (pde & 0x1fe000u) return fault(pferr::P | pferr::RSVD);  // bits 13..20
      combine(pde);
      if (pde & pte::G && (r.cr4 & cr4::PGE)) perms |= perm::G;
      leaf = pde;
      leaf_addr = pde_addr;
      w.page_size = 2u << 20;
      w.phys = (pde & kPhysMask & ~0x1fffffull) | (lin & 0x1fffffu);
      perms |= perm::LARGE;
    } else {
      combine(pde);
      upper_addr[nupper++] = pde_addr;
      paddr_t pte_addr = (pde & kPhysMask & ~0xfffull) + (((lin >> 12) & 0x1ff) << 3);
      uint64_t e = read_entry(bus, r, pte_addr, true);
      w.level[w.nlevels++] = {pte_addr, e};
      if (!(e & pte::P)) return fault(0);
      if (e & rsv) return fault(pferr::P | pferr::RSVD);
      combine(e);
      if (e & pte::G && (r.cr4 & cr4::PGE)) perms |= perm::G;
      leaf = e;
      leaf_addr = pte_addr;
      w.phys = (e & kPhysMask & ~0xfffull) | (lin & kPageMask);
    }
  }

  if (!page_access_allowed(r, perms, access)) return fault(pferr::P);

  if (update) {
    for (int i = 0; i < nupper; ++i) {
      uint32_t lo = bus.read(upper_addr[i] & r.a20_mask, 4);
      if (!(lo & pte::A)) write_low(bus, r, upper_addr[i], lo | uint32_t(pte::A));
    }
    uint32_t want = uint32_t(pte::A) | (write ? uint32_t(pte::D) : 0);
    if ((uint32_t(leaf) & want) != want) {
      write_low(bus, r, leaf_addr, uint32_t(leaf) | want);
      leaf |= want;
    }
  }
  if (leaf & pte::D) perms |= perm::D;
  w.perms = perms;
  w.phys &= r.a20_mask;
  w.ok = true;
  return w;
}

bool load_pdptes(Bus& bus, PagingRegs& regs, uint32_t new_cr3) {
  uint64_t tmp[4];
  paddr_t base = new_cr3 & 0xffffffe0u;
  for (int i = 0; i < 4; ++i) {
    tmp[i] = read_entry(bus, regs, base + 8 * i, true);
    // Present PDPTEs must have bits 1, 2, 5..8 and 36..63 clear.
    if ((tmp[i] & pte::P) && (tmp[i] & (0x1e6ull | ~kPhysMask))) return false;
  }
  for (int i = 0; i < 4; ++i) regs.pdpte[i] = tmp[i];
  return true;
}

}  // namespace pvlab
