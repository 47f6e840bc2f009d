// The page walkers against the Intel SDM vol. 3 chapter 4: every mode, every combination of
// access rights, accessed and dirty flags, reserved bits and #PF error codes.
#include "tests/mmu/paging_fixture.h"

using namespace pvlab;
using namespace pvlab::test;

namespace {

constexpr uint32_t kPd = 0x100000, kPt = 0x101000, kPdpt = 0x102000, kPaePd = 0x103000,
                   kPaePt = 0x104000, kFrame = 0x200000;

enum Kind { kRd, kWr, kFx };
unsigned access_of(Kind k, bool user) {
  return (k == kWr ? kWrite : 0u) | (k == kFx ? kFetch : 0u) | (user ? kUser : 0u);
}

}  // namespace

TEST_CASE("paging off: linear is physical, every access allowed, A20 applies") {
  PagingFixture f;
  WalkResult w = f.walk(0x12345678, kWrite | kUser);
  CHECK(w.ok);
  CHECK(w.phys == 0x12345678);
  CHECK(w.reads == 0);
  f.r.a20_mask = ~(1ull << 20);
  w = f.walk(0x00123456, kRead);
  CHECK(w.phys == 0x00023456);
}

TEST_CASE("32-bit paging: 4 KiB translation, levels, accessed and dirty flags") {
  PagingFixture f;
  f.use_32bit(kPd);
  const laddr_t lin = 0x00c03abc;  // PDE 3, PTE 3
  f.pde32(kPd, lin, kPt | P | RW | US);
  f.pte32(kPt, lin, kFrame | P | RW | US);

  WalkResult w = f.walk(lin, kRead);
  REQUIRE(w.ok);
  CHECK(w.phys == kFrame + 0xabc);
  CHECK(w.page_size == 4096);
  CHECK(w.nlevels == 2);
  CHECK(w.reads == 2);
  CHECK(w.level[0].entry_addr == kPd + 12);
  CHECK(w.level[1].entry_addr == kPt + 12);
  CHECK(w.level[1].entry == (kFrame | P | RW | US));  // the value before the update
  CHECK((w.perms & perm::W));
  CHECK((w.perms & perm::U));
  CHECK_FALSE((w.perms & perm::D));
  CHECK_FALSE((w.perms & perm::LARGE));
  // A read sets A in both entries and D nowhere.
  CHECK(f.pde32_at(kPd, lin) == (kPt | P | RW | US | A));
  CHECK(f.pte32_at(kPt, lin) == (kFrame | P | RW | US | A));

  // A write sets D in the PTE only; the PDE never gets D.
  w = f.walk(lin, kWrite);
  REQUIRE(w.ok);
  CHECK((w.perms & perm::D));
  CHECK(f.pde32_at(kPd, lin) == (kPt | P | RW | US | A));
  CHECK(f.pte32_at(kPt, lin) == (kFrame | P | RW | US | A | D));

  // Fetches behave as reads for A/D.
  f.pte32(kPt, lin, kFrame | P | RW | US);
  w = f.walk(lin, kFetch);
  REQUIRE(w.ok);
  CHECK(f.pte32_at(kPt, lin) == (kFrame | P | RW | US | A));
}

TEST_CASE("32-bit paging: not-present entries give P=0 with the access bits") {
  PagingFixture f;
  f.use_32bit(kPd);
  const laddr_t lin = 0x00400000;

  SUBCASE("PDE not present: nothing is written") {
    f.pde32(kPd, lin, 0xfffff000u | RW | US);  // everything but P
    WalkResult w = f.walk(lin, kWrite | kUser);
    CHECK_FALSE(w.ok);
    CHECK(w.error == (pferr::W | pferr::U));
    CHECK(w.nlevels == 1);
    CHECK(f.pde32_at(kPd, lin) == (0xfffff000u | RW | US));
  }
  SUBCASE("PTE not present: the PDE was used, so it is accessed; the PTE is untouched") {
    f.pde32(kPd, lin, kPt | P | RW | US);
    f.pte32(kPt, lin, kFrame | RW | US);
    WalkResult w = f.walk(lin, kRead);
    CHECK_FALSE(w.ok);
    CHECK(w.error == 0);
    CHECK(w.nlevels == 2);
    CHECK(f.pde32_at(kPd, lin) == (kPt | P | RW | US | A));
    CHECK(f.pte32_at(kPt, lin) == (kFrame | RW | US));
  }
  SUBCASE("fetches carry no I/D bit without PAE + NXE") {
    f.pde32(kPd, lin, 0);
    WalkResult w = f.walk(lin, kFetch | kUser);
    CHECK_FALSE(w.ok);
    CHECK(w.error == pferr::U);
  }
}

TEST_CASE("32-bit paging: every combination of R/W, U/S, CR0.WP and access kind") {
  PagingFixture f;
  const laddr_t lin = 0x00801000;
  for (unsigned bits = 0; bits < 16; ++bits) {
    const bool pde_rw = bits & 1, pde_us = bits & 2, pte_rw = bits & 4, pte_us = bits & 8;
    for (bool wp : {false, true})
      for (bool user : {false, true})
        for (Kind k : {kRd, kWr, kFx}) {
          CAPTURE(bits);
          CAPTURE(wp);
          CAPTURE(user);
          CAPTURE(int(k));
          f.use_32bit(kPd, 0, wp ? cr0::WP : 0);
          const uint32_t pde = kPt | P | (pde_rw ? RW : 0) | (pde_us ? US : 0);
          const uint32_t pte = kFrame | P | (pte_rw ? RW : 0) | (pte_us ? US : 0);
          f.pde32(kPd, lin, pde);
          f.pte32(kPt, lin, pte);
          // SDM 4.6: user accesses need U/S=1 everywhere, user writes R/W=1 everywhere;
          // supervisor writes need R/W=1 everywhere only when CR0.WP=1; fetches are reads
          // here (no XD in 32-bit paging).
          const bool u = pde_us && pte_us, w = pde_rw && pte_rw;
          const bool allowed = (!user || u) && (k != kWr || w || (!user && !wp));
          WalkResult r = f.walk(lin, access_of(k, user));
          CHECK(r.ok == allowed);
          if (allowed) {
            CHECK(r.phys == kFrame);
            CHECK(f.pte32_at(kPt, lin) == (pte | A | (k == kWr ? D : 0)));
          } else {
            CHECK(r.error == (pferr::P | (k == kWr ? pferr::W : 0) | (user ? pferr::U : 0)));
            CHECK(f.pte32_at(kPt, lin) == pte);  // the leaf is not touched by a fault
          }
          CHECK(f.pde32_at(kPd, lin) == (pde | A));
        }
  }
}

TEST_CASE("32-bit paging with PSE: 4 MiB pages") {
  PagingFixture f;
  const laddr_t lin = 0x00c01234;  // PDE 3

  SUBCASE("a 4 MiB page maps offsets 21..0 and takes A/D in the PDE") {
    f.use_32bit(kPd, cr4::PSE);
    f.pde32(kPd, lin, 0x00800000u | P | RW | PS);
    WalkResult w = f.walk(lin, kWrite);
    REQUIRE(w.ok);
    CHECK(w.phys == 0x00801234);
    CHECK(w.page_size == (4u << 20));
    CHECK(w.nlevels == 1);
    CHECK(w.reads == 1);
    CHECK((w.perms & perm::LARGE));
    CHECK(f.pde32_at(kPd, lin) == (0x00800000u | P | RW | PS | A | D));
  }
  SUBCASE("PAT (bit 12) is not an address bit") {
    f.use_32bit(kPd, cr4::PSE);
    f.pde32(kPd, lin, 0x00800000u | 0x1000 | P | PS);
    WalkResult w = f.walk(lin, kRead);
    REQUIRE(w.ok);
    CHECK(w.phys == 0x00801234);
  }
  SUBCASE("PSE-36: PDE bits 16..13 are physical bits 35..32") {
    f.use_32bit(kPd, cr4::PSE);
    f.pde32(kPd, lin, 0x00400000u | (0xbu << 13) | P | PS);
    WalkResult w = f.walk(lin, kRead);
    REQUIRE(w.ok);
    CHECK(w.phys == 0xb00401234ull);
  }
  SUBCASE("PDE bits 21..17 are reserved: RSVD fault, no A flag") {
    for (unsigned b = 17; b <= 21; ++b) {
      CAPTURE(b);
      f.use_32bit(kPd, cr4::PSE);
      const uint32_t pde = 0x00400000u | (1u << b) | P | PS | RW | US;
      f.pde32(kPd, lin, pde);
      WalkResult w = f.walk(lin, kWrite | kUser);
      CHECK_FALSE(w.ok);
      CHECK(w.error == (pferr::P | pferr::RSVD | pferr::W | pferr::U));
      CHECK(f.pde32_at(kPd, lin) == pde);
    }
  }
  SUBCASE("without CR4.PSE the PS bit is ignored and the PDE points to a page table") {
    f.use_32bit(kPd, 0);
    f.pde32(kPd, lin, kPt | P | PS | RW);
    f.pte32(kPt, lin, kFrame | P | RW);
    WalkResult w = f.walk(lin, kRead);
    REQUIRE(w.ok);
    CHECK(w.phys == kFrame + 0x234);
    CHECK(w.page_size == 4096);
    CHECK(w.nlevels == 2);
  }
  SUBCASE("without CR4.PSE bits 21..17 of a PDE are address bits, not reserved") {
    f.use_32bit(kPd, 0);
    f.pde32(kPd, lin, 0x00fe0000u | P | PS);  // page table at 0xfe0000
    f.pte32(0x00fe0000u, lin, kFrame | P);
    CHECK(f.walk(lin, kRead).ok);
  }
}

TEST_CASE("global pages: G counts only in a leaf and only with CR4.PGE") {
  PagingFixture f;
  const laddr_t lin = 0x00401000;
  f.pde32(kPd, lin, kPt | P | RW | G);   // G in a PDE that points to a table is ignored
  f.pte32(kPt, lin, kFrame | P | RW);
  f.use_32bit(kPd, cr4::PGE);
  CHECK_FALSE((f.walk(lin, kRead).perms & perm::G));
  f.pte32(kPt, lin, kFrame | P | RW | G);
  CHECK((f.walk(lin, kRead).perms & perm::G));
  f.use_32bit(kPd, 0);
  CHECK_FALSE((f.walk(lin, kRead).perms & perm::G));
  f.use_32bit(kPd, cr4::PSE | cr4::PGE);
  f.pde32(kPd, lin, 0x00400000u | P | PS | G);
  CHECK((f.walk(lin, kRead).perms & perm::G));
}

TEST_CASE("PAE paging: 4 KiB and 2 MiB pages, addresses above 4 GiB") {
  PagingFixture f;
  const laddr_t lin = 0x40603abc;  // PDPTE 1, PDE 3, PTE 3
  f.pdpte(kPdpt, lin, kPaePd | P);
  f.pde64(kPaePd, lin, kPaePt | P | RW | US);
  f.pte64(kPaePt, lin, 0x3'0000'0000ull | kFrame | P | RW | US);
  f.use_pae(kPdpt);

  WalkResult w = f.walk(lin, kWrite);
  REQUIRE(w.ok);
  CHECK(w.phys == 0x3'0020'0abcull);
  CHECK(w.nlevels == 3);
  CHECK(w.reads == 2);  // the PDPTE is a register
  CHECK(w.level[0].entry_addr == kPdpt + 8);
  CHECK(w.level[1].entry_addr == kPaePd + 24);
  CHECK(w.level[2].entry_addr == kPaePt + 24);
  CHECK(f.pde64_at(kPaePd, lin) == (kPaePt | P | RW | US | A));
  CHECK(f.pte64_at(kPaePt, lin) == (0x3'0000'0000ull | kFrame | P | RW | US | A | D));
  CHECK(f.r64(kPdpt + 8) == (kPaePd | P));  // PDPTEs are never written

  SUBCASE("2 MiB page") {
    const laddr_t big = 0x40a12345;  // PDE 5
    f.pde64(kPaePd, big, 0x1'0060'0000ull | 0x1000 | P | PS);  // with PAT
    WalkResult b = f.walk(big, kRead);
    REQUIRE(b.ok);
    CHECK(b.phys == 0x1'0061'2345ull);
    CHECK(b.page_size == (2u << 20));
    CHECK((b.perms & perm::LARGE));
    CHECK(f.pde64_at(kPaePd, big) == (0x1'0060'0000ull | 0x1000 | P | PS | A));
  }
  SUBCASE("PAE does not need CR4.PSE for large pages") {
    CHECK_FALSE((f.r.cr4 & cr4::PSE));
    const laddr_t big = 0x40a00000;
    f.pde64(kPaePd, big, 0x00600000ull | P | PS);
    CHECK(f.walk(big, kRead).page_size == (2u << 20));
  }
  SUBCASE("PDPTE not present") {
    const laddr_t hi = 0xc0000000;
    WalkResult b = f.walk(hi, kRead | kUser);
    CHECK_FALSE(b.ok);
    CHECK(b.error == pferr::U);
    CHECK(b.reads == 0);
  }
}

TEST_CASE("PAE paging: reserved bits give RSVD faults and set no flags") {
  PagingFixture f;
  const laddr_t lin = 0x00203000;  // PDPTE 0, PDE 1, PTE 3
  f.pdpte(kPdpt, lin, kPaePd | P);

  struct Case {
    const char* what;
    bool nxe;
    uint64_t pde, pte;
    bool fault_at_pde;
  };
  const Case cases[] = {
      {"PDE bit 36", false, kPaePt | P | (1ull << 36), 0, true},
      {"PDE bit 62", true, kPaePt | P | (1ull << 62), 0, true},
      {"PDE XD without NXE", false, kPaePt | P | XD, 0, true},
      {"2 MiB PDE bit 13", false, 0x00200000ull | P | PS | (1ull << 13), 0, true},
      {"2 MiB PDE bit 20", false, 0x00200000ull | P | PS | (1ull << 20), 0, true},
      {"PTE bit 40", false, kPaePt | P | RW, kFrame | P | (1ull << 40), false},
      {"PTE XD without NXE", false, kPaePt | P | RW, kFrame | P | XD, false},
  };
  for (const Case& c : cases) {
    CAPTURE(c.what);
    f.pde64(kPaePd, lin, c.pde);
    f.pte64(kPaePt, lin, c.pte);
    f.use_pae(kPdpt, c.nxe);
    WalkResult w = f.walk(lin, kWrite);
    CHECK_FALSE(w.ok);
    CHECK(w.error == (pferr::P | pferr::RSVD | pferr::W));
    CHECK(f.pde64_at(kPaePd, lin) == (c.fault_at_pde ? c.pde : (c.pde | A)));
    CHECK(f.pte64_at(kPaePt, lin) == c.pte);
  }
  SUBCASE("a not-present entry is not checked for reserved bits") {
    f.pde64(kPaePd, lin, ~0ull & ~uint64_t(P));
    f.use_pae(kPdpt);
    WalkResult w = f.walk(lin, kRead);
    CHECK_FALSE(w.ok);
    CHECK(w.error == 0);
  }
  SUBCASE("RSVD faults carry I/D for fetches with NXE") {
    f.pde64(kPaePd, lin, kPaePt | P | (1ull << 50));
    f.use_pae(kPdpt, true);
    WalkResult w = f.walk(lin, kFetch | kUser);
    CHECK(w.error == (pferr::P | pferr::RSVD | pferr::U | pferr::ID));
  }
}

TEST_CASE("PAE paging: every combination of R/W, U/S, XD, CR0.WP and access kind") {
  PagingFixture f;
  const laddr_t lin = 0x80401000;  // PDPTE 2, PDE 2, PTE 1
  f.pdpte(kPdpt, lin, kPaePd | P);
  for (unsigned bits = 0; bits < 64; ++bits) {
    const bool pde_rw = bits & 1, pde_us = bits & 2, pte_rw = bits & 4, pte_us = bits & 8,
               pde_xd = bits & 16, pte_xd = bits & 32;
    for (bool wp : {false, true})
      for (bool user : {false, true})
        for (Kind k : {kRd, kWr, kFx}) {
          CAPTURE(bits);
          CAPTURE(wp);
          CAPTURE(user);
          CAPTURE(int(k));
          const uint64_t pde = kPaePt | P | (pde_rw ? RW : 0) | (pde_us ? US : 0) | (pde_xd ? XD : 0);
          const uint64_t pte = kFrame | P | (pte_rw ? RW : 0) | (pte_us ? US : 0) | (pte_xd ? XD : 0);
          f.pde64(kPaePd, lin, pde);
          f.pte64(kPaePt, lin, pte);
          f.use_pae(kPdpt, true, 0, wp ? cr0::WP : 0);
          const bool u = pde_us && pte_us, w = pde_rw && pte_rw, x = !pde_xd && !pte_xd;
          const bool allowed = (!user || u) && (k != kWr || w || (!user && !wp)) && (k != kFx || x);
          WalkResult r = f.walk(lin, access_of(k, user));
          CHECK(r.ok == allowed);
          if (allowed) {
            CHECK(f.pte64_at(kPaePt, lin) == (pte | A | (k == kWr ? D : 0)));
          } else {
            CHECK(r.error == (pferr::P | (k == kWr ? pferr::W : 0) | (user ? pferr::U : 0) |
                              (k == kFx ? pferr::ID : 0)));
            CHECK(f.pte64_at(kPaePt, lin) == pte);
          }
          CHECK(f.pde64_at(kPaePd, lin) == (pde | A));
        }
  }
}

TEST_CASE("PAE with NX: XD in a 2 MiB page, and I/D only when NXE is on") {
  PagingFixture f;
  const laddr_t lin = 0x00400000;  // PDE 2
  f.pdpte(kPdpt, lin, kPaePd | P);
  f.pde64(kPaePd, lin, 0x00400000ull | P | RW | PS | XD);
  f.use_pae(kPdpt, true);
  WalkResult w = f.walk(lin, kFetch);
  CHECK_FALSE(w.ok);
  CHECK(w.error == (pferr::P | pferr::ID));
  CHECK(f.walk(lin, kRead).ok);
  CHECK((f.walk(lin, kRead).perms & perm::NX));
  // Not-present fetch faults have I/D too with NXE.
  WalkResult np = f.walk(0x00600000, kFetch);
  CHECK(np.error == pferr::ID);
  f.r.efer = 0;
  np = f.walk(0x00600000, kFetch);
  CHECK(np.error == 0);
}

TEST_CASE("PDPTE loading checks reserved bits of present entries") {
  PagingFixture f;
  PagingRegs& r = f.r;
  for (unsigned i = 0; i < 4; ++i) f.w64(kPdpt + 8 * i, (kPaePd + 0x1000 * i) | P);
  REQUIRE(load_pdptes(f.bus, r, kPdpt));
  CHECK(r.pdpte[3] == ((kPaePd + 0x3000) | P));

  const unsigned bad_bits[] = {1, 2, 5, 6, 7, 8, 36, 40, 63};
  for (unsigned b : bad_bits) {
    CAPTURE(b);
    f.w64(kPdpt + 0x20 + 16, kPaePd | P | (1ull << b));  // entry 2 of a second PDPT
    CHECK_FALSE(load_pdptes(f.bus, r, kPdpt + 0x20));
    CHECK(r.pdpte[3] == ((kPaePd + 0x3000) | P));  // registers unchanged
  }
  // Not-present entries may hold anything; ignored bits 9..11, PWT and PCD are fine.
  f.w64(kPdpt + 0x20 + 16, ~uint64_t(P));
  f.w64(kPdpt + 0x20 + 8, kPaePd | P | 0xe00 | 0x18);
  CHECK(load_pdptes(f.bus, r, kPdpt + 0x20 + 0x1f));  // CR3 bits 4..0 are not address bits
  CHECK(r.pdpte[1] == (kPaePd | P | 0xe00 | 0x18));
}

namespace {
struct CountingDevice final : MmioDevice {
  unsigned reads = 0, writes = 0;
  uint32_t read(paddr_t, unsigned) override { ++reads; return 0; }
  void write(paddr_t, unsigned, uint32_t) override { ++writes; }
};
}  // namespace

TEST_CASE("the debug walk has no side effects") {
  PagingFixture f;
  const laddr_t lin = 0x00403000;
  f.use_32bit(kPd);
  f.pde32(kPd, lin, kPt | P | RW);
  f.pte32(kPt, lin, kFrame | P | RW);
  WalkResult w = f.walk(lin, kWrite, false);
  REQUIRE(w.ok);
  CHECK(w.phys == kFrame);
  CHECK_FALSE((w.perms & perm::D));
  CHECK(f.pde32_at(kPd, lin) == (kPt | P | RW));
  CHECK(f.pte32_at(kPt, lin) == (kFrame | P | RW));

  // Tables under an MMIO region: the debug walk reads RAM, never the device; a real walk
  // goes through the bus.
  CountingDevice dev;
  f.bus.map_mmio(kPt, 0x1000, &dev, "counter");
  w = f.walk(lin, kRead, false);
  CHECK(w.ok);
  CHECK(dev.reads == 0);
  CHECK(dev.writes == 0);

  Mmu m(f.bus);
  m.regs() = f.r;
  w = m.debug_walk(lin, kWrite);
  CHECK(w.ok);
  CHECK(dev.reads == 0);
  CHECK(m.dtlb().stats().walks == 0);
  CHECK(m.dtlb().stats().misses == 0);
  CHECK(m.dtlb().valid_entries() == 0);
}

TEST_CASE("A20 masking applies to table reads and to the result") {
  PagingFixture f;
  f.use_32bit(0x130000);
  f.r.a20_mask = ~(1ull << 20);
  const laddr_t lin = 0x00001000;
  // With A20 masked, the directory is read at 0x030000 and the table at 0x031000.
  f.pde32(0x030000, lin, 0x131000u | P);
  f.pte32(0x031000, lin, 0x00105000u | P);
  WalkResult w = f.walk(lin, kRead);
  REQUIRE(w.ok);
  CHECK(w.phys == 0x00005000);
  CHECK((f.pde32_at(0x030000, lin) & A));
}
