// IA-32 page walkers: 2-level (with PSE 4 MiB pages and PSE-36), PAE 3-level (2 MiB pages,
// NX through EFER.NXE), CR0.WP, CR4.PGE, accessed and dirty bits, reserved-bit checks and
// complete #PF error codes. The walker knows nothing about instructions: callers say what the
// access is (read / write / fetch, user or supervisor).
#pragma once
#include "mmu/types.h"

namespace pvlab {

class Bus;

namespace cr0 {
constexpr uint32_t PE = 1u << 0, MP = 1u << 1, EM = 1u << 2, TS = 1u << 3, ET = 1u << 4,
                   NE = 1u << 5, WP = 1u << 16, AM = 1u << 18, NW = 1u << 29, CD = 1u << 30,
                   PG = 1u << 31;
}
namespace cr4 {
constexpr uint32_t VME = 1u << 0, PVI = 1u << 1, TSD = 1u << 2, DE = 1u << 3, PSE = 1u << 4,
                   PAE = 1u << 5, MCE = 1u << 6, PGE = 1u << 7, PCE = 1u << 8,
                   OSFXSR = 1u << 9, OSXMMEXCPT = 1u << 10;
}
namespace efer {
constexpr uint64_t SCE = 1u << 0, LME = 1u << 8, LMA = 1u << 10, NXE = 1u << 11;
}

// Page-table entry bits common to both formats.
namespace pte {
constexpr uint64_t P = 1u << 0, RW = 1u << 1, US = 1u << 2, PWT = 1u << 3, PCD = 1u << 4,
                   A = 1u << 5, D = 1u << 6, PS = 1u << 7, G = 1u << 8;
constexpr uint64_t NX = 1ull << 63;
}

// #PF error-code bits.
namespace pferr {
constexpr uint32_t P = 1u << 0, W = 1u << 1, U = 1u << 2, RSVD = 1u << 3, ID = 1u << 4;
}

// What an access is. Values combine; they also index TlbEntry::allow.
enum Access : unsigned {
  kRead = 0,
  kWrite = 1,
  kUser = 2,
  kFetch = 4,
};

// The architectural registers the walk depends on.
struct PagingRegs {
  uint32_t cr0 = 0, cr3 = 0, cr4 = 0;
  uint64_t efer = 0;
  uint64_t pdpte[4] = {};        // PAE page-directory pointers, loaded when CR3 is written
  uint64_t a20_mask = ~0ull;     // physical address mask (A20 gate)

  bool paging() const { return cr0 & cr0::PG; }
  bool pae() const { return cr4 & cr4::PAE; }
  bool nx() const { return pae() && (efer & efer::NXE); }
};

constexpr unsigned kMaxPhysBits = 36;

// Permission bits of a completed walk (combined over every level).
namespace perm {
constexpr uint8_t W = 1, U = 2, NX = 4, G = 8, D = 16, LARGE = 32;
}

struct WalkLevel {
  paddr_t entry_addr = 0;  // where the entry lives
  uint64_t entry = 0;      // its value (before any A/D update)
};

struct WalkResult {
  bool ok = false;
  uint32_t error = 0;      // #PF error code when !ok
  paddr_t phys = 0;        // physical address of the byte asked for
  uint32_t page_size = kPageSize;
  uint8_t perms = 0;       // perm:: bits
  uint8_t nlevels = 0;     // entries looked at, root first (filled part of `level`)
  uint8_t reads = 0;       // entries read from memory (for timing)
  WalkLevel level[3];      // root first; PAE's PDPTE is level 0 and is not a memory read
};

// Pure check: may `access` use a page with `perms` under `regs`?
PVLAB_INLINE bool page_access_allowed(const PagingRegs& regs, uint8_t perms, unsigned access) {
  const bool user = access & kUser;
  if (user && !(perms & perm::U)) return false;
  // Supervisor writes to read-only pages are allowed unless CR0.WP is set.
  if ((access & kWrite) && !(perms & perm::W) && (user || (regs.cr0 & cr0::WP))) return false;
  if ((access & kFetch) && (perms & perm::NX)) return false;
  return true;
}

// Walk the tables for `lin`. With `update` set, accessed/dirty bits are written as hardware
// does (see paging.cpp for exactly when); without it the walk has no side effects: entries
// are read from RAM only and nothing is written (debugger view).
WalkResult page_walk(Bus& bus, const PagingRegs& regs, laddr_t lin, unsigned access, bool update);

// Load the four PAE PDPTEs from CR3. Returns false when one that is present has reserved
// bits set (MOV to CR3 / CR0 / CR4 raises #GP(0) then).
bool load_pdptes(Bus& bus, PagingRegs& regs, uint32_t new_cr3);

}  // namespace pvlab
