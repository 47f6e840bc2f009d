// The page walkers (Intel SDM vol. 3, chapter 4).
//
// Order of checks at every level: the P flag (clear: #PF with P=0), then reserved bits (set:
// #PF with P=1 and RSVD=1), then on to the next level. Access rights are combined over all
// levels (R/W and U/S ANDed, XD ORed) and checked once the leaf is known.
//
// Accessed and dirty flags (SDM 4.8, and 4.10.3 on paging-structure caches):
// - a non-leaf entry gets A as soon as the walk goes through it, that is when it is present,
//   has no reserved bit set and points to the next table. A processor may cache such an entry
//   (setting A first) even when no translation comes out of the walk, so a later not-present
//   or permission fault does not undo it;
// - the leaf (a PTE, or a PDE with PS=1) gets A, and D on a write, only when the access is
//   allowed: a faulting access creates no TLB entry and writes nothing into the leaf.
// PAE PDPTEs are registers loaded by MOV to CR0/CR3/CR4; they have no A flag and are never
// written back.
#include "mmu/paging.h"

#include "mmu/bus.h"

namespace pvlab {

namespace {

constexpr uint64_t kPhysMask = (1ull << kMaxPhysBits) - 1;

// Reserved bits of PAE paging-structure entries.
constexpr uint64_t kPaeAboveMaxPhys = ~kPhysMask & ~pte::NX;     // bits 62..36
constexpr uint64_t kPae2MReserved = 0x1fe000ull;                   // bits 20..13 of a 2 MiB PDE
constexpr uint64_t kPdpteReserved = 0x1e6ull | ~kPhysMask;         // bits 2:1, 8:5, 63:36
// 32-bit paging, 4 MiB PDE: bits 16..13 are physical bits 35..32 (PSE-36), 21..17 reserved.
constexpr uint64_t kPse4MReserved = 0x3e0000ull;

// Reads and A/D writes of paging-structure entries. Without `update` the walk is a debugger's
// look: entries come straight from RAM (never from a device) and nothing is written.
struct EntryIo {
  Bus& bus;
  const PagingRegs& r;
  bool update;

  uint32_t read32(paddr_t addr) const {
    addr &= r.a20_mask;
    if (update) return bus.read(addr, 4);
    uint32_t v = 0;
    for (unsigned k = 0; k < 4; ++k) {
      uint8_t b = 0xff;  // no RAM: reads as an open bus
      bus.peek(addr + k, b);
      v |= uint32_t(b) << (8 * k);
    }
    return v;
  }
  uint64_t read(paddr_t addr, bool wide) const {
    uint64_t v = read32(addr);
    if (wide) v |= uint64_t(read32(addr + 4)) << 32;
    return v;
  }
  // Set `bits` (A, D: all in the low dword) in the entry at `addr` that was read as `value`.
  void set(paddr_t addr, uint64_t value, uint32_t bits) const {
    if (!update || (uint32_t(value) & bits) == bits) return;
    bus.write(addr & r.a20_mask, 4, uint32_t(value) | bits);
  }
};

}  // namespace

WalkResult page_walk(Bus& bus, const PagingRegs& r, laddr_t lin, unsigned access, bool update) {
  WalkResult w;
  if (!r.paging()) {
    w.ok = true;
    w.phys = lin & r.a20_mask;
    w.perms = perm::W | perm::U | perm::D;
    return w;
  }

  const EntryIo io{bus, r, update};
  const bool write = access & kWrite;
  const bool wide = r.pae();
  const uint32_t base_err = (write ? pferr::W : 0) | ((access & kUser) ? pferr::U : 0) |
                            (((access & kFetch) && r.nx()) ? pferr::ID : 0);
  auto fault = [&](uint32_t bits) {
    w.ok = false;
    w.error = base_err | bits;
    return w;
  };
  // Rights so far: the AND of R/W and U/S, the OR of XD (when EFER.NXE makes it mean that).
  uint8_t perms = perm::W | perm::U;
  auto combine = [&](uint64_t e) {
    if (!(e & pte::RW)) perms &= uint8_t(~perm::W);
    if (!(e & pte::US)) perms &= uint8_t(~perm::U);
    if (wide && r.nx() && (e & pte::NX)) perms |= perm::NX;
  };
  auto read_level = [&](paddr_t addr) {
    uint64_t e = io.read(addr, wide);
    w.level[w.nlevels++] = {addr, e};
    ++w.reads;
    return e;
  };

  paddr_t dir_base;           // physical base of the page directory
  const uint64_t rsv = wide ? (kPaeAboveMaxPhys | (r.nx() ? 0 : pte::NX)) : 0;
  if (wide) {
    const unsigned i = lin >> 30;
    const uint64_t pdpte = r.pdpte[i];
    w.level[w.nlevels++] = {(r.cr3 & 0xffffffe0u) + 8u * i, pdpte};
    if (!(pdpte & pte::P)) return fault(0);
    dir_base = pdpte & kPhysMask & ~paddr_t(kPageMask);
  } else {
    dir_base = r.cr3 & 0xfffff000u;
  }

  // Page directory.
  const paddr_t pde_addr = wide ? dir_base + 8 * ((lin >> 21) & 0x1ff) : dir_base + 4 * (lin >> 22);
  const uint64_t pde = read_level(pde_addr);
  if (!(pde & pte::P)) return fault(0);
  if (pde & rsv) return fault(pferr::P | pferr::RSVD);
  combine(pde);

  uint64_t leaf;
  paddr_t leaf_addr;
  const bool large = (pde & pte::PS) && (wide || (r.cr4 & cr4::PSE));
  if (large) {
    if (pde & (wide ? kPae2MReserved : kPse4MReserved)) return fault(pferr::P | pferr::RSVD);
    leaf = pde;
    leaf_addr = pde_addr;
    if (wide) {
      w.page_size = 2u << 20;
      w.phys = (pde & kPhysMask & ~paddr_t(w.page_size - 1)) | (lin & (w.page_size - 1));
    } else {
      w.page_size = 4u << 20;
      w.phys = (pde & 0xffc00000u) | (((pde >> 13) & 0xfull) << 32) | (lin & (w.page_size - 1));
    }
    perms |= perm::LARGE;
  } else {
    io.set(pde_addr, pde, uint32_t(pte::A));  // the walk goes through this entry
    const paddr_t pt_base = wide ? (pde & kPhysMask & ~paddr_t(kPageMask)) : (pde & 0xfffff000u);
    leaf_addr = wide ? pt_base + 8 * ((lin >> 12) & 0x1ff) : pt_base + 4 * ((lin >> 12) & 0x3ff);
    leaf = read_level(leaf_addr);
    if (!(leaf & pte::P)) return fault(0);
    if (leaf & rsv) return fault(pferr::P | pferr::RSVD);
    combine(leaf);
    w.phys = (wide ? (leaf & kPhysMask & ~paddr_t(kPageMask)) : (leaf & 0xfffff000u)) |
             (lin & kPageMask);
  }
  if ((leaf & pte::G) && (r.cr4 & cr4::PGE)) perms |= perm::G;

  if (!page_access_allowed(r, perms, access)) return fault(pferr::P);

  const uint32_t ad = uint32_t(pte::A) | (write ? uint32_t(pte::D) : 0u);
  io.set(leaf_addr, leaf, ad);
  if (update) leaf |= ad;
  if (leaf & pte::D) perms |= perm::D;
  w.perms = perms;
  w.phys &= r.a20_mask;
  w.ok = true;
  return w;
}

bool load_pdptes(Bus& bus, PagingRegs& regs, uint32_t new_cr3) {
  uint64_t tmp[4];
  const EntryIo io{bus, regs, true};
  const paddr_t base = new_cr3 & 0xffffffe0u;
  for (unsigned i = 0; i < 4; ++i) {
    tmp[i] = io.read(base + 8 * i, true);
    if ((tmp[i] & pte::P) && (tmp[i] & kPdpteReserved)) return false;
  }
  for (unsigned i = 0; i < 4; ++i) regs.pdpte[i] = tmp[i];
  return true;
}

}  // namespace pvlab
