// The CPU side of paging: control-register writes (PDPTE loading and its #GP, TLB flushes),
// page-crossing data accesses that translate every page before writing, and instruction
// fetch through the I-TLB with the block cache keyed by physical address.
#include <doctest/doctest.h>

#include <cstring>

#include "cpu/cpu.h"

using namespace pvlab;

namespace {

constexpr uint32_t kPdpt = 0x20000, kPd = 0x21000, kPt = 0x22000, kPd32 = 0x23000;

struct Recorder final : Platform {
  std::vector<Event> events;
  bool intercept(Cpu& c, const Event& e) override {
    events.push_back(e);
    c.request_stop();
    return true;
  }
};

struct CpuFixture {
  PhysMem ram{16u << 20};
  Bus bus{ram};
  Cpu cpu{bus};
  Recorder rec;

  CpuFixture() {
    cpu.set_platform(&rec);
    cpu.enter_flat_protected(0x10000);
  }
  void w32(paddr_t a, uint32_t v) { std::memcpy(ram.ptr(a), &v, 4); }
  void w64(paddr_t a, uint64_t v) { std::memcpy(ram.ptr(a), &v, 8); }
  uint32_t r32(paddr_t a) const {
    uint32_t v;
    std::memcpy(&v, ram.ptr(a), 4);
    return v;
  }
  void code(paddr_t a, std::initializer_list<uint8_t> bytes) {
    std::memcpy(ram.ptr(a), bytes.begin(), bytes.size());
  }

  // PAE tables: PDPTE 0 -> kPd, PDE 0 -> kPt identity-mapping 0..2 MiB.
  void pae_tables() {
    w64(kPdpt, kPd | 1);
    w64(kPd, kPt | 7);
    for (uint32_t i = 0; i < 512; ++i) w64(kPt + 8 * i, (uint64_t(i) << 12) | 3);
  }
  // 32-bit tables: PDE 0 -> kPt identity-mapping 0..4 MiB.
  void tables32() {
    w32(kPd32, kPt | 7);
    for (uint32_t i = 0; i < 1024; ++i) w32(kPt + 4 * i, (i << 12) | 3);
  }
};

}  // namespace

TEST_CASE("MOV to CR0 turning on PAE paging loads the PDPTEs or faults with nothing changed") {
  CpuFixture f;
  f.pae_tables();
  f.w64(kPdpt + 16, kPd | 1 | (1ull << 5));  // PDPTE 2: reserved bit 5
  REQUIRE(f.cpu.write_cr3(kPdpt));
  REQUIRE(f.cpu.write_cr4(cr4::PAE));
  const uint32_t cr0 = f.cpu.s.cr0;
  CHECK_FALSE(f.cpu.write_cr0(cr0 | cr0::PG));
  CHECK(f.cpu.s.cr0 == cr0);
  CHECK(f.cpu.s.pdpte[0] == 0);
  CHECK_FALSE(f.cpu.mmu().regs().paging());

  f.w64(kPdpt + 16, 0);
  REQUIRE(f.cpu.write_cr0(cr0 | cr0::PG));
  CHECK(f.cpu.s.pdpte[0] == (kPd | 1));
  CHECK(f.cpu.mmu().regs().pdpte[0] == (kPd | 1));
  CHECK(f.cpu.mmu().regs().paging());
}

TEST_CASE("MOV to CR3 with PAE paging reloads the PDPTEs; a bad set leaves CR3 alone") {
  CpuFixture f;
  f.pae_tables();
  REQUIRE(f.cpu.write_cr3(kPdpt));
  REQUIRE(f.cpu.write_cr4(cr4::PAE));
  REQUIRE(f.cpu.write_cr0(f.cpu.s.cr0 | cr0::PG));
  f.w64(kPdpt + 0x20, kPd | 1);
  f.w64(kPdpt + 0x28, kPd | 1 | (1ull << 40));
  CHECK_FALSE(f.cpu.write_cr3(kPdpt + 0x20));
  CHECK(f.cpu.s.cr3 == kPdpt);
  CHECK(f.cpu.s.pdpte[1] == 0);
  f.w64(kPdpt + 0x28, 0x5000 | 1);
  REQUIRE(f.cpu.write_cr3(kPdpt + 0x20));
  CHECK(f.cpu.s.pdpte[1] == (0x5000 | 1));
  CHECK(f.cpu.mmu().regs().pdpte[1] == (0x5000 | 1));
}

TEST_CASE("MOV to CR4 / CR0 reload the PDPTEs when they change PGE, PSE, CD or NW under PAE") {
  CpuFixture f;
  f.pae_tables();
  REQUIRE(f.cpu.write_cr3(kPdpt));
  REQUIRE(f.cpu.write_cr4(cr4::PAE));
  REQUIRE(f.cpu.write_cr0(f.cpu.s.cr0 | cr0::PG));
  f.w64(kPdpt + 24, 0x7000 | 1);
  REQUIRE(f.cpu.write_cr4(cr4::PAE | cr4::TSD));  // TSD: no reload
  CHECK(f.cpu.s.pdpte[3] == 0);
  REQUIRE(f.cpu.write_cr4(cr4::PAE | cr4::TSD | cr4::PGE));
  CHECK(f.cpu.s.pdpte[3] == (0x7000 | 1));
  f.w64(kPdpt + 24, 0x8000 | 1);
  REQUIRE(f.cpu.write_cr0(f.cpu.s.cr0 | cr0::CD));
  CHECK(f.cpu.s.pdpte[3] == (0x8000 | 1));
  f.w64(kPdpt + 24, 0x8000 | 1 | 2);  // reserved bit 1
  CHECK_FALSE(f.cpu.write_cr4(cr4::PAE | cr4::TSD | cr4::PGE | cr4::PSE));
  CHECK(f.cpu.s.cr4 == (cr4::PAE | cr4::TSD | cr4::PGE));
  CHECK_FALSE(f.cpu.write_cr0(f.cpu.s.cr0 & ~cr0::CD));
  CHECK((f.cpu.s.cr0 & cr0::CD));
}

TEST_CASE("sync_paging hands the PDPTE registers of the state to the MMU (snapshot restore)") {
  CpuFixture f;
  f.cpu.s.pdpte[2] = 0x9000 | 1;
  f.cpu.sync_paging();
  CHECK(f.cpu.mmu().regs().pdpte[2] == (0x9000 | 1));
}

TEST_CASE("TLB flushes: CR3 keeps global entries, PGE / PG / WP changes drop everything") {
  CpuFixture f;
  f.tables32();
  f.w32(kPt + 4 * 0x30, 0x30000 | 3 | 0x100);  // global
  REQUIRE(f.cpu.write_cr3(kPd32));
  REQUIRE(f.cpu.write_cr4(cr4::PGE));
  REQUIRE(f.cpu.write_cr0(f.cpu.s.cr0 | cr0::PG));
  Tlb& d = f.cpu.mmu().dtlb();
  uint32_t v;
  REQUIRE(f.cpu.read_lin(0x30000, 4, v, kRead));
  REQUIRE(f.cpu.read_lin(0x31000, 4, v, kRead));
  CHECK(d.valid_entries() == 2);
  REQUIRE(f.cpu.write_cr3(kPd32));
  CHECK(d.valid_entries() == 1);
  REQUIRE(f.cpu.write_cr0(f.cpu.s.cr0 | cr0::WP));
  CHECK(d.valid_entries() == 0);
  REQUIRE(f.cpu.read_lin(0x30000, 4, v, kRead));
  REQUIRE(f.cpu.write_cr4(0));
  CHECK(d.valid_entries() == 0);
}

TEST_CASE("a page-crossing write translates both pages before writing a byte") {
  CpuFixture f;
  f.tables32();
  f.w32(kPt + 4 * 0x31, 0x31000 | 1);  // read-only
  REQUIRE(f.cpu.write_cr3(kPd32));
  REQUIRE(f.cpu.write_cr0(f.cpu.s.cr0 | cr0::PG | cr0::WP));
  f.w32(0x30ffc, 0x11111111);

  CHECK_FALSE(f.cpu.write_lin(0x30ffe, 4, 0xaabbccdd, 0));
  CHECK(f.cpu.s.cr2 == 0x31000);
  CHECK(f.r32(0x30ffc) == 0x11111111);

  CHECK(f.cpu.write(DS, 0x30ffc, 2, 0xeeee));  // the first page alone: fine
  uint64_t big = 0x0102030405060708ull;
  f.cpu.s.cr2 = 0;
  CHECK_FALSE(f.cpu.write64(DS, 0x30ffe, big));
  CHECK(f.cpu.s.cr2 == 0x31000);
  CHECK(f.r32(0x30ffc) == 0x1111eeee);
  f.cpu.s.cr2 = 0;
  CHECK_FALSE(f.cpu.write64(DS, 0x30ffb, big));
  CHECK(f.cpu.s.cr2 == 0x31000);
  CHECK(f.r32(0x30ffc) == 0x1111eeee);

  // Reads crossing into the read-only page are fine.
  uint32_t v;
  REQUIRE(f.cpu.read_lin(0x30ffe, 4, v, 0));
  CHECK((v & 0xffff) == 0x1111);
}

TEST_CASE("fetch goes through the I-TLB, blocks are shared by linear aliases") {
  CpuFixture f;
  f.tables32();
  // 0x400000 is a second linear view of the code page 0x10000.
  f.w32(kPd32 + 4, 0x24000 | 7);
  f.w32(0x24000, 0x10000 | 3);
  REQUIRE(f.cpu.write_cr3(kPd32));
  REQUIRE(f.cpu.write_cr0(f.cpu.s.cr0 | cr0::PG));
  f.code(0x10000, {0x40, 0xf4});  // inc eax; hlt
  f.cpu.s.r[EAX] = 0;
  CHECK(f.cpu.run(10) == StopReason::HaltIfOff);
  CHECK(f.cpu.s.r[EAX] == 1);
  const uint64_t built = f.cpu.blocks().stats().built;
  CHECK(f.cpu.mmu().itlb().stats().fills >= 1);
  CHECK(f.cpu.mmu().dtlb().stats().fills == 0);

  // The same physical bytes at another linear address reuse the decoded block.
  f.cpu.s.halted = 0;
  f.cpu.s.eip = 0x400000;
  CHECK(f.cpu.run(10) == StopReason::HaltIfOff);
  CHECK(f.cpu.s.r[EAX] == 2);
  CHECK(f.cpu.s.eip == 0x400002);
  CHECK(f.cpu.blocks().stats().built == built);
}

TEST_CASE("a fetch fault reports the I/D bit and CR2; a later mapping is picked up after INVLPG") {
  CpuFixture f;
  f.tables32();
  f.w32(kPt + 4 * 0x40, 0);  // 0x40000 not present
  REQUIRE(f.cpu.write_cr3(kPd32));
  REQUIRE(f.cpu.write_cr0(f.cpu.s.cr0 | cr0::PG));
  f.cpu.s.eip = 0x40010;
  f.cpu.run(10);
  REQUIRE(f.rec.events.size() == 1);
  CHECK(f.rec.events[0].vector == exc::PF);
  CHECK(f.rec.events[0].error == 0);
  CHECK(f.cpu.s.cr2 == 0x40010);
  f.code(0x41010, {0xf4});
  f.w32(kPt + 4 * 0x40, 0x41000 | 3);
  f.cpu.mmu().invlpg(0x40000);
  CHECK(f.cpu.run(10) == StopReason::HaltIfOff);
  CHECK(f.cpu.s.eip == 0x40011);
}
