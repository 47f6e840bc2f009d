// The TLB model and the MMU around it: geometry, statistics, deterministic replacement, split
// instruction / data TLBs, global entries, INVLPG on every page size, and invalidation by
// page faults.
#include "tests/mmu/paging_fixture.h"

#include <stdexcept>

using namespace pvlab;
using namespace pvlab::test;

namespace {

constexpr uint32_t kPd = 0x100000, kPt = 0x101000, kPdpt = 0x102000, kPaePd = 0x103000,
                   kPaePt = 0x104000;

// 32-bit tables identity-mapping the first 4 MiB with 4 KiB pages (PTE flags `flags`).
void identity_4m(PagingFixture& f, uint32_t flags = P | RW | US) {
  f.use_32bit(kPd, cr4::PGE | cr4::PSE);
  f.pde32(kPd, 0, kPt | P | RW | US);
  for (uint32_t i = 0; i < 1024; ++i) f.w32(kPt + 4 * i, (i << 12) | flags);
}

struct MmuFixture : PagingFixture {
  MmuConfig cfg;
  std::unique_ptr<Mmu> mmu;
  uint64_t cycles = 0;

  void start() {
    mmu = std::make_unique<Mmu>(bus, cfg);
    mmu->regs() = r;
    mmu->set_cycle_counter(&cycles);
  }
  TlbEntry* tr(laddr_t lin, unsigned access) {
    uint32_t err = 0xdead;
    return mmu->translate(lin, access, err);
  }
  uint32_t fault(laddr_t lin, unsigned access) {
    uint32_t err = 0xdead;
    TlbEntry* e = mmu->translate(lin, access, err);
    CHECK(e == nullptr);
    return err;
  }
};

}  // namespace

TEST_CASE("TLB geometry is checked and sizes the entry array") {
  CHECK_THROWS_AS(Tlb(TlbGeometry{0, 4}), std::invalid_argument);
  CHECK_THROWS_AS(Tlb(TlbGeometry{24, 4}), std::invalid_argument);
  CHECK_THROWS_AS(Tlb(TlbGeometry{16, 0}), std::invalid_argument);
  Tlb t(TlbGeometry{16, 3});
  CHECK(t.entries().size() == 48);
  CHECK(t.valid_entries() == 0);
  Tlb wide(TlbGeometry{1, 300});  // more ways than a byte can count
  CHECK(wide.entries().size() == 300);

  PagingFixture f;
  MmuConfig cfg;
  cfg.itlb = {8, 2};
  cfg.dtlb = {128, 8};
  Mmu m(f.bus, cfg);
  CHECK(m.itlb().geometry().sets == 8);
  CHECK(m.itlb().entries().size() == 16);
  CHECK(m.dtlb().entries().size() == 1024);
}

TEST_CASE("hits, misses, walks and fills are counted; walks cost cycles per entry read") {
  MmuFixture f;
  identity_4m(f);
  f.cfg.walk_cycles_per_level = 5;
  f.start();
  const TlbStats& d = f.mmu->dtlb().stats();

  TlbEntry* e = f.tr(0x5123, kRead);
  REQUIRE(e);
  CHECK(e->frame == 0x5000);
  CHECK(e->host == f.ram.ptr(0x5000));
  CHECK(d.misses == 1);
  CHECK(d.walks == 1);
  CHECK(d.fills == 1);
  CHECK(d.hits == 0);
  CHECK(f.cycles == 10);  // PDE + PTE

  CHECK(f.tr(0x5fff, kRead) == e);
  CHECK(f.tr(0x5000, kRead | kUser) == e);
  CHECK(d.hits == 2);
  CHECK(d.walks == 1);
  CHECK(f.cycles == 10);

  // A write to a page read so far walks again to set D, then hits.
  CHECK_FALSE((f.r32(kPt + 4 * 5) & D));
  TlbEntry* w = f.tr(0x5004, kWrite);
  REQUIRE(w);
  CHECK(w == e);  // the same entry, refilled
  CHECK((f.r32(kPt + 4 * 5) & D));
  CHECK(d.misses == 2);
  CHECK(d.walks == 2);
  CHECK(d.fills == 2);
  CHECK(f.tr(0x5008, kWrite) == w);
  CHECK(d.hits == 3);
  CHECK(f.mmu->itlb().stats().walks == 0);

  // Walks that fault count too, and fill nothing.
  f.pte32(kPt, 0x9000, 0);
  CHECK(f.fault(0x9000, kRead) == 0);
  CHECK(d.walks == 3);
  CHECK(d.fills == 2);
  CHECK(f.cycles == 30);
}

TEST_CASE("PAE walks cost two memory reads; paging off costs none") {
  MmuFixture f;
  f.pdpte(kPdpt, 0, kPaePd | P);
  f.pde64(kPaePd, 0, kPaePt | P | RW);
  f.pte64(kPaePt, 0x3000, 0x7000 | P | RW);
  f.use_pae(kPdpt);
  f.start();
  REQUIRE(f.tr(0x3000, kRead));
  CHECK(f.cycles == 8);
  f.mmu->regs().cr0 = cr0::PE;
  f.mmu->flush(true);
  REQUIRE(f.tr(0x3000, kRead));
  CHECK(f.cycles == 8);
}

TEST_CASE("instruction and data accesses fill separate TLBs") {
  MmuFixture f;
  identity_4m(f);
  f.start();
  TlbEntry* i = f.tr(0x10000, kFetch);
  REQUIRE(i);
  CHECK(f.mmu->itlb().valid_entries() == 1);
  CHECK(f.mmu->dtlb().valid_entries() == 0);
  TlbEntry* d = f.tr(0x10000, kRead);
  REQUIRE(d);
  CHECK(d != i);
  CHECK(f.mmu->dtlb().valid_entries() == 1);
  CHECK(f.mmu->itlb().stats().fills == 1);
  CHECK(f.mmu->dtlb().stats().fills == 1);
  // Entries record what each access kind may do: a user fetch from a supervisor page misses.
  f.pte32(kPt, 0x20000, 0x20000 | P | RW);
  REQUIRE(f.tr(0x20000, kFetch));
  CHECK(f.fault(0x20000, kFetch | kUser) == (pferr::P | pferr::U));
}

TEST_CASE("round-robin replacement within a set is deterministic") {
  MmuFixture f;
  identity_4m(f);
  f.cfg.dtlb = {4, 2};
  f.start();
  Tlb& t = f.mmu->dtlb();
  // Pages 0, 4, 8, 12 ... all land in set 0.
  auto in_tlb = [&](laddr_t page) {
    for (auto& e : t.entries())
      if (e.tag == (page | TlbEntry::kValid)) return true;
    return false;
  };
  REQUIRE(f.tr(0x0000, kRead));
  REQUIRE(f.tr(0x4000, kRead));
  CHECK(in_tlb(0x0000));
  CHECK(in_tlb(0x4000));
  REQUIRE(f.tr(0x8000, kRead));   // evicts way 0 (page 0)
  CHECK_FALSE(in_tlb(0x0000));
  CHECK(in_tlb(0x4000));
  REQUIRE(f.tr(0xc000, kRead));   // evicts way 1 (page 4)
  CHECK_FALSE(in_tlb(0x4000));
  CHECK(in_tlb(0x8000));
  REQUIRE(f.tr(0x0000, kRead));   // evicts way 0 again (page 8)
  CHECK_FALSE(in_tlb(0x8000));
  CHECK(in_tlb(0xc000));
  // Refilling a page already present reuses its way and leaves the pointer alone.
  REQUIRE(f.tr(0x0000, kWrite));
  CHECK(in_tlb(0xc000));
  REQUIRE(f.tr(0x10000, kRead));  // way 1 (page 12) goes
  CHECK_FALSE(in_tlb(0xc000));
  CHECK(in_tlb(0x0000));
  // Other sets are unaffected.
  REQUIRE(f.tr(0x1000, kRead));
  CHECK(in_tlb(0x1000));
  CHECK(t.valid_entries() == 3);

  // The same sequence on a fresh MMU gives the same contents.
  auto snapshot = [&](Tlb& x) {
    std::vector<uint32_t> tags;
    for (auto& e : x.entries()) tags.push_back(e.tag);
    return tags;
  };
  auto before = snapshot(t);
  MmuFixture g;
  identity_4m(g);
  g.cfg.dtlb = {4, 2};
  g.start();
  for (laddr_t a : {0x0000u, 0x4000u, 0x8000u, 0xc000u, 0x0000u}) REQUIRE(g.tr(a, kRead));
  REQUIRE(g.tr(0x0000, kWrite));
  REQUIRE(g.tr(0x10000, kRead));
  REQUIRE(g.tr(0x1000, kRead));
  CHECK(snapshot(g.mmu->dtlb()) == before);

  // A full flush returns to the power-on state: replacement starts at way 0 again.
  f.mmu->flush(true);
  CHECK(t.valid_entries() == 0);
  for (laddr_t a : {0x0000u, 0x4000u, 0x8000u}) REQUIRE(f.tr(a, kRead));
  CHECK_FALSE(in_tlb(0x0000));
  CHECK(in_tlb(0x4000));
}

TEST_CASE("global entries survive a non-global flush when CR4.PGE is set") {
  MmuFixture f;
  identity_4m(f);
  f.pte32(kPt, 0x7000, 0x7000 | P | RW | G);
  f.start();
  REQUIRE(f.tr(0x6000, kRead));
  REQUIRE(f.tr(0x7000, kRead));
  REQUIRE(f.tr(0x7000, kFetch));
  const uint64_t flushes = f.mmu->dtlb().stats().flushes;
  f.mmu->flush(false);  // MOV to CR3
  CHECK(f.mmu->dtlb().stats().flushes == flushes + 1);
  CHECK(f.mmu->dtlb().valid_entries() == 1);
  CHECK(f.mmu->itlb().valid_entries() == 1);

  // The stale global entry still answers after the tables change (no INVLPG yet).
  f.pte32(kPt, 0x7000, 0x9000 | P | RW | G);
  f.pte32(kPt, 0x6000, 0x9000 | P | RW);
  CHECK(f.tr(0x7000, kRead)->frame == 0x7000);
  CHECK(f.tr(0x6000, kRead)->frame == 0x9000);
  f.mmu->flush(true);   // CR4.PGE toggled
  CHECK(f.mmu->dtlb().valid_entries() == 0);
  CHECK(f.tr(0x7000, kRead)->frame == 0x9000);

  // Without CR4.PGE the G bit means nothing.
  f.mmu->regs().cr4 = 0;
  f.mmu->flush(true);
  REQUIRE(f.tr(0x7000, kRead));
  f.mmu->flush(false);
  CHECK(f.mmu->dtlb().valid_entries() == 0);
}

TEST_CASE("INVLPG drops 4 KiB entries, global ones included, and nothing else") {
  MmuFixture f;
  identity_4m(f, P | RW | G);
  f.start();
  for (laddr_t a = 0; a < 0x8000; a += 0x1000) REQUIRE(f.tr(a, kRead));
  REQUIRE(f.tr(0x3000, kFetch));
  f.pte32(kPt, 0x3000, 0x5000 | P | RW);
  CHECK(f.tr(0x3abc, kRead)->frame == 0x3000);  // stale until invalidated
  f.mmu->invlpg(0x3abc);
  CHECK(f.mmu->dtlb().stats().invlpgs == 1);
  CHECK(f.mmu->itlb().stats().invlpgs == 1);
  CHECK(f.mmu->dtlb().valid_entries() == 7);
  CHECK(f.mmu->itlb().valid_entries() == 0);
  CHECK(f.tr(0x3abc, kRead)->frame == 0x5000);
}

TEST_CASE("INVLPG drops every piece of a 4 MiB page, whichever address it names") {
  MmuFixture f;
  f.use_32bit(kPd, cr4::PSE | cr4::PGE);
  f.pde32(kPd, 0x00400000, 0x00800000u | P | RW | PS | G);
  f.pde32(kPd, 0x00800000, 0x00c00000u | P | RW | PS);
  f.start();
  TlbEntry* e = f.tr(0x00400000, kRead);
  REQUIRE(e);
  CHECK(e->frame == 0x00800000);
  CHECK((e->perms & perm::LARGE));
  CHECK(e->large_mask == 0xffc00000u);
  REQUIRE(f.tr(0x00401000, kRead));
  REQUIRE(f.tr(0x007ff000, kRead));
  REQUIRE(f.tr(0x00800000, kRead));   // another large page
  CHECK(f.tr(0x007ff123, kRead)->frame == 0x00bff000);
  CHECK(f.mmu->dtlb().valid_entries() == 4);
  f.mmu->invlpg(0x00555555);
  CHECK(f.mmu->dtlb().valid_entries() == 1);
  CHECK(f.tr(0x00800000, kRead));
  CHECK(f.mmu->dtlb().stats().hits >= 2);
}

TEST_CASE("INVLPG drops every piece of a 2 MiB PAE page") {
  MmuFixture f;
  f.pdpte(kPdpt, 0, kPaePd | P);
  f.pde64(kPaePd, 0x00200000, 0x00600000ull | P | RW | PS);
  f.pde64(kPaePd, 0x00400000, kPaePt | P | RW);
  f.pte64(kPaePt, 0x00400000, 0x00900000ull | P | RW);
  f.use_pae(kPdpt, true, cr4::PGE);
  f.start();
  REQUIRE(f.tr(0x00200000, kRead));
  REQUIRE(f.tr(0x003ff000, kRead));
  REQUIRE(f.tr(0x00400000, kRead));
  CHECK(f.tr(0x00200000, kRead)->large_mask == 0xffe00000u);
  CHECK(f.mmu->dtlb().valid_entries() == 3);
  f.mmu->invlpg(0x003fffff);
  CHECK(f.mmu->dtlb().valid_entries() == 1);
  // INVLPG of a 4 KiB page next to a large page leaves the large page alone.
  REQUIRE(f.tr(0x00200000, kRead));
  f.mmu->invlpg(0x00400000);
  CHECK(f.mmu->dtlb().valid_entries() == 1);
  CHECK(f.tr(0x00200000, kRead));
}

TEST_CASE("a page fault invalidates the TLB entries for the faulting address") {
  MmuFixture f;
  identity_4m(f, P | RW);
  f.start();
  REQUIRE(f.tr(0x4000, kRead));        // a clean page: the entry allows reads only
  REQUIRE(f.tr(0x4000, kFetch));
  // The PTE is made read-only and moved without INVLPG; the write walks and faults...
  f.pte32(kPt, 0x4000, 0x8000 | P);
  f.mmu->regs().cr0 |= cr0::WP;
  CHECK(f.fault(0x4000, kWrite) == (pferr::P | pferr::W));
  // ...and the fault dropped the stale entries: the next read sees the new frame.
  CHECK(f.mmu->dtlb().valid_entries() == 0);
  CHECK(f.mmu->itlb().valid_entries() == 0);
  CHECK(f.tr(0x4000, kRead)->frame == 0x8000);
}

TEST_CASE("host pointers: RAM frames have them, MMIO and ROM frames do not") {
  MmuFixture f;
  identity_4m(f);
  f.pte32(kPt, 0x9000, 0x00fff000u | P | RW);  // the last RAM frame
  struct Nop final : MmioDevice {
    uint32_t read(paddr_t, unsigned) override { return 0x5a; }
    void write(paddr_t, unsigned, uint32_t) override {}
  } dev;
  f.bus.map_mmio(0xa000, 0x1000, &dev, "nop");
  f.bus.set_rom(0xb000, 0x1000);
  f.start();
  CHECK(f.tr(0x9000, kWrite)->host == f.ram.ptr(0x00fff000));
  TlbEntry* m = f.tr(0xa000, kWrite);
  CHECK(m->host == nullptr);
  CHECK(m->host_write == nullptr);
  TlbEntry* rom = f.tr(0xb000, kWrite);
  CHECK(rom->host == f.ram.ptr(0xb000));
  CHECK(rom->host_write == nullptr);
}
