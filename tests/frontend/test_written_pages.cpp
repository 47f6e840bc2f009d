// Written-page tracking (mmu/phys_mem.h) and what stands on it: the RAM hash kept page by
// page and incremental snapshots (frontend/ram_delta.h, frontend/snapshot.h).
//
// Every path that writes RAM must mark the page: a store through the TLB's host pointer (the
// fill marks, a parked entry's first store marks again), string operations, the page walker's
// A/D updates, Bus writes and pokes, the hypervisor's copies into guest memory, grant copies
// and the back ends' ring writes. The differential checks run whole guests in pieces and, at
// every stop, compare RAM with its copy from the stop before: every page whose bytes changed
// must be in the written set.
#include <doctest/doctest.h>

#include <cstring>
#include <random>

#include "demo_guest.h"
#include "frontend/machine.h"
#include "frontend/ram_delta.h"
#include "frontend/snap_machine.h"
#include "frontend/snapshot.h"
#include "frontend/state_file.h"
#include "hyper/events.h"
#include "hyper/guest_access.h"
#include "mmu/mmu.h"
#include "pv_demo_guest.h"
#include "pv_test_grants.h"
#include "pv_test_events.h"
#include "pv_test_mm.h"
#include "pv_test_vcpus.h"
#include "snap_machines.h"

using namespace pvlab;
using namespace pvlab::snap_test;

namespace {

size_t marked(const PhysMem& ram) {
  size_t n = 0;
  for (size_t p = 0; p < ram.frames(); ++p) n += ram.is_dirty(p);
  return n;
}

// The differential check: pages changed since `before` that are not marked.
size_t unmarked_changes(const PhysMem& ram, const std::vector<uint8_t>& before, size_t& changed) {
  size_t missing = 0;
  for (size_t p = 0; p < ram.frames(); ++p) {
    const size_t at = p << kPageShift;
    if (std::memcmp(ram.ptr(at), before.data() + at, kPageSize) == 0) continue;
    ++changed;
    if (!ram.is_dirty(p)) {
      ++missing;
      if (missing <= 5) MESSAGE("page " << p << " changed but is not marked written");
    }
  }
  return missing;
}

// Run `m` to its end in `pieces` stretches; at every stop the changed pages must be a subset
// of the written set, which is then cleared. Returns the changed pages summed over the stops.
size_t run_differential(SnapMachine& m, uint64_t step) {
  PhysMem& ram = m.ram();
  std::vector<uint8_t> before(ram.ptr(0), ram.ptr(0) + ram.size());
  ram.clear_dirty();
  size_t changed = 0, missing = 0, stops = 0;
  for (;;) {
    const SnapMachine::Halt h = m.run(m.cycles() + step, 200'000'000);
    missing += unmarked_changes(ram, before, changed);
    std::memcpy(before.data(), ram.ptr(0), ram.size());
    ram.clear_dirty();
    ++stops;
    if (h != SnapMachine::Halt::AtStop) break;
  }
  MESSAGE(stops << " stops, " << changed << " changed pages");
  CHECK(missing == 0);
  return changed;
}

}  // namespace

TEST_CASE("written pages: TLB fills, parked entries, Bus writes, pokes and A/D updates mark") {
  PhysMem ram(4u << 20);
  Bus bus(ram);
  Mmu mmu(bus);
  CHECK(marked(ram) == ram.frames());   // new RAM counts as written everywhere
  ram.clear_dirty();
  CHECK(marked(ram) == 0);

  // Paging off: a D-TLB fill marks the page its entry maps (the entry lets stores through);
  // an I-TLB fill does not (stores never use it).
  uint32_t err = 0;
  TlbEntry* e = mmu.translate(0x5000, kWrite, err);
  REQUIRE(e);
  REQUIRE(e->host_write);
  CHECK(ram.is_dirty(5));
  REQUIRE(mmu.translate(0x9000, kFetch, err));
  CHECK_FALSE(ram.is_dirty(9));

  // Clearing parks the write pointer; the next store through the entry marks again and gets
  // it back, without a walk.
  ram.clear_dirty();
  CHECK(e->host_write == nullptr);
  CHECK(e->parked_write != nullptr);
  const uint64_t walks = mmu.dtlb().stats().walks;
  TlbEntry* again = mmu.translate(0x5000, kWrite, err);
  REQUIRE(again == e);
  CHECK(mmu.dtlb().stats().walks == walks);
  CHECK_FALSE(ram.is_dirty(5));
  CHECK(mmu.unpark(*e) == ram.ptr(0x5000));
  CHECK(ram.is_dirty(5));
  CHECK(e->parked_write == nullptr);

  // Bus writes (one byte, and four across a page boundary), pokes and note_write of a range.
  ram.clear_dirty();
  bus.write(0x20010, 1, 0xaa);
  bus.write(0x21ffe, 4, 0x11223344);
  CHECK(bus.poke(0x30000, 7));
  bus.note_write(0x40000, 3 * kPageSize);
  for (uint64_t p : {0x20u, 0x21u, 0x22u, 0x30u, 0x40u, 0x41u, 0x42u}) CHECK(ram.is_dirty(p));
  CHECK_FALSE(ram.is_dirty(0x43));
  CHECK(marked(ram) == 7);

  // 32-bit paging: the walk sets A (and D) in the PDE and PTE: both table pages are marked.
  ram.clear_dirty();
  const uint32_t pd = 0x100000, pt = 0x101000;
  const uint32_t pde = pt | 7, pte = 0x200000 | 7;   // present, writable, user
  const uint32_t pte_ro = 0x210000 | 5, pte_clean = 0x220000 | 7;   // read-only; writable, D clear
  std::memcpy(ram.ptr(pd + 4 * (0x00400000u >> 22)), &pde, 4);
  std::memcpy(ram.ptr(pt + 4 * 3), &pte, 4);
  std::memcpy(ram.ptr(pt + 4 * 4), &pte_ro, 4);
  std::memcpy(ram.ptr(pt + 4 * 5), &pte_clean, 4);
  mmu.regs().cr0 = cr0::PE | cr0::PG | cr0::WP;
  mmu.regs().cr3 = pd;
  mmu.flush(true);
  REQUIRE(mmu.translate(0x00403000, kWrite, err));
  CHECK(ram.is_dirty(pd >> kPageShift));
  CHECK(ram.is_dirty(pt >> kPageShift));
  CHECK(ram.is_dirty(0x200));
  // Reads of a read-only page and of a clean one fill entries that let no store through:
  // those pages stay unmarked until a store walks (and sets D).
  ram.clear_dirty();
  REQUIRE(mmu.translate(0x00404000, kRead, err));
  REQUIRE(mmu.translate(0x00405000, kRead, err));
  CHECK_FALSE(ram.is_dirty(0x210));
  CHECK_FALSE(ram.is_dirty(0x220));
  REQUIRE(mmu.translate(0x00405000, kWrite, err));
  CHECK(ram.is_dirty(0x220));
  CHECK(ram.is_dirty(pt >> kPageShift));   // D set in the PTE
}

TEST_CASE("written pages: CPU stores, string operations and the stack mark, also after a clear") {
  // Flat protected mode, entered at 0x10000. Each loop pass writes a value that changes:
  //   L: mov [0x300004], ebx        89 1D 04 00 30 00
  //      mov al, bl                 88 D8
  //      mov edi, 0x200000          BF 00 00 20 00
  //      mov ecx, 0x2000            B9 00 20 00 00
  //      cld; rep stosb             FC F3 AA          (two pages)
  //      mov esi, 0x200000          BE 00 00 20 00
  //      mov edi, 0x500000          BF 00 00 50 00
  //      mov ecx, 0x400             B9 00 04 00 00
  //      rep movsd                  F3 A5             (one page)
  //      mov esp, 0x400100          BC 00 01 40 00
  //      push ebx                   53
  //      call next; next:           E8 00 00 00 00    (a return address on the stack page)
  //      inc ebx                    43
  //      jmp L                      EB xx
  std::vector<uint8_t> code = {0x89, 0x1D, 0x04, 0x00, 0x30, 0x00, 0x88, 0xD8, 0xBF, 0x00, 0x00, 0x20,
                               0x00, 0xB9, 0x00, 0x20, 0x00, 0x00, 0xFC, 0xF3, 0xAA, 0xBE, 0x00, 0x00,
                               0x20, 0x00, 0xBF, 0x00, 0x00, 0x50, 0x00, 0xB9, 0x00, 0x04, 0x00, 0x00,
                               0xF3, 0xA5, 0xBC, 0x00, 0x01, 0x40, 0x00, 0x53, 0xE8, 0x00, 0x00, 0x00,
                               0x00, 0x43, 0xEB};
  code.push_back(uint8_t(-int(code.size() + 1)));
  PcMachine m{MachineConfig{}};
  std::string err;
  REQUIRE(m.load_flat(code, 0x10000, err));
  PhysMem& ram = m.ram();
  for (int pass = 0; pass < 3; ++pass) {
    // Between passes the written set is cleared with the TLB entries still in place: the
    // stores must mark through parked entries.
    std::vector<uint8_t> before(ram.ptr(0), ram.ptr(0) + ram.size());
    ram.clear_dirty();
    m.run(100'000);   // many loop passes
    size_t changed = 0;
    CHECK(unmarked_changes(ram, before, changed) == 0);
    CHECK(changed >= 5);
    for (uint64_t p : {0x200u, 0x201u, 0x300u, 0x400u, 0x500u}) CHECK(ram.is_dirty(p));
    CHECK_FALSE(ram.is_dirty(0x600));
  }
}

TEST_CASE("written pages: the hypervisor's copies into guest memory and its frame pointers mark") {
  const std::vector<uint8_t> img(std::begin(kPvDemoGuest), std::end(kPvDemoGuest));
  auto m = make(spec_for(img, "pv", 1, 16u << 20), img);
  REQUIRE(m->run(200'000) == SnapMachine::Halt::AtStop);
  hyper::Hypervisor& hv = *m->hypervisor();
  PhysMem& ram = m->ram();
  hyper::Domain& d = hv.domain();
  const uint32_t mfn = d.p2m[d.p2m.size() - 3];
  ram.clear_dirty();
  const uint32_t v = 0x12345678;
  REQUIRE(hyper::write_machine(hv, (uint64_t(mfn) << kPageShift) + 100, &v, 4));
  CHECK(ram.is_dirty(mfn));
  CHECK(marked(ram) == 1);
  ram.clear_dirty();
  hv.frame_ptr(d.shared_info_mfn)[0] ^= 1;
  CHECK(ram.is_dirty(d.shared_info_mfn));
  // Event delivery writes the pending bits into shared info and vcpu_info.
  ram.clear_dirty();
  hyper::Vcpu& v0 = d.vcpu(0);
  (void)hyper::vcpu_info_ptr(hv, v0);
  CHECK(ram.is_dirty(v0.vcpu_info_maddr >> kPageShift));
}

TEST_CASE("written pages: whole guests, the changed pages are always a subset of the marked ones") {
  SUBCASE("PC demo guest") {
    const std::vector<uint8_t> img(std::begin(kDemoGuest), std::end(kDemoGuest));
    auto m = make(spec_for(img, "pc", 1, 16u << 20), img);
    CHECK(run_differential(*m, 20'000) > 0);
  }
  SUBCASE("PV demo guest, two vcpus (console and xenstore back ends)") {
    const std::vector<uint8_t> img(std::begin(kPvDemoGuest), std::end(kPvDemoGuest));
    auto m = make(spec_for(img, "pv", 2, 16u << 20), img);
    CHECK(run_differential(*m, 100'000) > 0);
  }
  SUBCASE("PV grants kernel (grant copies and maps)") {
    const std::vector<uint8_t> img(std::begin(kPvTestGrants), std::end(kPvTestGrants));
    auto m = make(spec_for(img, "pv", 1, 16u << 20), img);
    CHECK(run_differential(*m, 20'000) > 0);
  }
  SUBCASE("PV events kernel (event channels, upcalls)") {
    const std::vector<uint8_t> img(std::begin(kPvTestEvents), std::end(kPvTestEvents));
    auto m = make(spec_for(img, "pv", 1, 16u << 20), img);
    CHECK(run_differential(*m, 20'000) > 0);
  }
  SUBCASE("PV memory-management kernel (page-table updates, writable page tables)") {
    const std::vector<uint8_t> img(std::begin(kPvTestMm), std::end(kPvTestMm));
    auto m = make(spec_for(img, "pv", 1, 16u << 20), img);
    CHECK(run_differential(*m, 20'000) > 0);
  }
  SUBCASE("PV two-vcpu kernel") {
    const std::vector<uint8_t> img(std::begin(kPvTestVcpus), std::end(kPvTestVcpus));
    auto m = make(spec_for(img, "pv", 2, 16u << 20), img);
    CHECK(run_differential(*m, 20'000) > 0);
  }
}

TEST_CASE("the RAM hash is a function of the state, not of when pages were last hashed") {
  const std::vector<uint8_t> img(std::begin(kPvDemoGuest), std::end(kPvDemoGuest));
  const MachineSpec spec = spec_for(img, "pv", 2, 16u << 20);
  auto often = make(spec, img);
  auto once = make(spec, img);
  // One machine hashed at every stop, the other only at the end, both run to the same cycle.
  uint64_t t = 0;
  SnapMachine::Halt h;
  do {
    t += 150'000;
    h = often->run(t, 200'000'000);
    often->hash();
  } while (h == SnapMachine::Halt::AtStop && t < 1'500'000);
  REQUIRE(once->run(often->cycles(), 200'000'000) == h);
  REQUIRE(once->cycles() == often->cycles());
  const uint64_t a = often->hash(), b = once->hash();
  CHECK(a == b);
  // And it is the definition: state_hash over every page's own hash, seeded by the state.
  StateWriter w;
  once->save(w);
  std::vector<uint64_t> pages(once->ram().frames());
  for (size_t p = 0; p < pages.size(); ++p) pages[p] = state_hash(once->ram().ptr(p << kPageShift), kPageSize);
  CHECK(a == state_hash(reinterpret_cast<const uint8_t*>(pages.data()), pages.size() * 8, state_hash(w.data())));
  // A change of one byte changes it; changing it back restores it.
  once->ram().ptr(0x1234)[0] ^= 0x40;
  once->ram().mark_dirty(1);
  CHECK(once->hash() != a);
  once->ram().ptr(0x1234)[0] ^= 0x40;
  once->ram().mark_dirty(1);
  CHECK(once->hash() == a);
}

TEST_CASE("incremental snapshots: a chain restores the machine exactly, and corrupt ones are refused") {
  const std::vector<uint8_t> img(std::begin(kDemoGuest), std::end(kDemoGuest));
  const MachineSpec spec = spec_for(img, "pc", 1, 16u << 20);
  auto m = make(spec, img);
  std::vector<std::vector<uint8_t>> files;
  std::vector<uint64_t> hashes, cycles;
  for (uint64_t t = 30'000; t <= 150'000; t += 30'000) {
    REQUIRE(m->run(t, 200'000'000) == SnapMachine::Halt::AtStop);
    const uint64_t h = m->hash();
    if (files.empty()) {
      m->take_ram_delta(false);
      CHECK(m->last_delta_pages() == m->ram().frames());
      files.push_back(make_snapshot(*m, h));
    } else {
      files.push_back(make_delta_snapshot(*m, m->take_ram_delta(true), h, cycles.back(), hashes.back()));
      CHECK(m->last_delta_pages() < m->ram().frames() / 4);
      CHECK(is_delta_snapshot(files.back()));
    }
    MESSAGE("cycle " << m->cycles() << ": " << m->last_delta_pages() << " pages, " << files.back().size() << " bytes");
    hashes.push_back(h);
    cycles.push_back(m->cycles());
  }
  const std::vector<uint8_t> at_end = make_snapshot(*m);
  SnapMachine::Halt h;
  do h = m->run(~0ull, 200'000'000); while (h == SnapMachine::Halt::AtStop);
  const std::string console = m->console();
  const uint64_t final_hash = m->hash();
  auto name = [](size_t i) { return "file " + std::to_string(i); };

  std::vector<const std::vector<uint8_t>*> chain;
  for (const auto& f : files) chain.push_back(&f);
  std::string err;
  for (size_t k = 0; k < chain.size(); ++k) {
    auto r = make(spec, img);
    const std::vector<const std::vector<uint8_t>*> part(chain.begin(), chain.begin() + long(k) + 1);
    REQUIRE_MESSAGE(restore_snapshot_chain(*r, part, name, err), err);
    CHECK(r->hash() == hashes[k]);
    if (k + 1 == chain.size()) {
      CHECK(make_snapshot(*r) == at_end);   // the same machine, byte for byte
      do h = r->run(~0ull, 200'000'000); while (h == SnapMachine::Halt::AtStop);
      CHECK(r->console() == console);
      CHECK(r->hash() == final_hash);
    }
  }

  // A delta alone, or a chain missing a link, is refused.
  auto r = make(spec, img);
  CHECK_FALSE(restore_snapshot_chain(*r, {chain[1]}, name, err));
  CHECK(err.find("file 0") != std::string::npos);
  CHECK_FALSE(restore_snapshot_chain(*make(spec, img), {chain[0], chain[2]}, name, err));
  CHECK(err.find("does not follow") != std::string::npos);

  // Every truncation of a delta, flipped bytes caught by the checksum, and flipped bytes
  // re-sealed past it into the RAMD and MACH parsers: an error, never a crash or a restore.
  const std::vector<uint8_t>& delta = files[1];
  for (size_t n = 0; n < delta.size(); n += 1 + n / 64) {
    const std::vector<uint8_t> cut(delta.begin(), delta.begin() + long(n));
    err.clear();
    CHECK_FALSE(restore_snapshot_chain(*make(spec, img), {chain[0], &cut}, name, err));
    CHECK(!err.empty());
  }
  std::mt19937 rng(6);
  constexpr char kDeltaMagic[9] = "PVLABDLT";
  auto target = make(spec, img);
  size_t refused = 0, restored_same = 0;
  for (int i = 0; i < 200; ++i) {
    std::vector<uint8_t> bad = delta;
    bad[rng() % bad.size()] ^= uint8_t(1u << (rng() % 8));
    err.clear();
    CHECK_FALSE(restore_snapshot_chain(*target, {chain[0], &bad}, name, err));
    CHECK(!err.empty());
    StateFile f;
    REQUIRE(read_state_file(delta, kDeltaMagic, kSnapshotVersion, "delta", f, err));
    const char* tag = i % 3 == 2 ? "BASE" : i % 3 ? "RAMD" : "MACH";
    for (StateSection& s : f.sections)
      if (s.tag == tag) s.data[rng() % s.data.size()] ^= uint8_t(1u << (rng() % 8));
    bad = write_state_file(kDeltaMagic, f);
    err.clear();
    INFO("flipped a byte of " << tag);
    // Past the checksum a flip may leave the same machine (a page number moved onto another
    // page with the same bytes, two zero pages say): a restore that succeeds must be exact,
    // which the state hash check guarantees. Most are refused.
    if (restore_snapshot_chain(*target, {chain[0], &bad}, name, err)) {
      CHECK(target->hash() == hashes[1]);
      ++restored_same;
    } else {
      CHECK(!err.empty());
      ++refused;
    }
  }
  MESSAGE(refused << " re-sealed corruptions refused, " << restored_same << " gave the same machine");
  CHECK(refused > 150);
  // The untouched chain still restores into the machine the failures left behind.
  CHECK_MESSAGE(restore_snapshot_chain(*target, {chain[0], chain[1]}, name, err), err);
  CHECK(target->hash() == hashes[1]);
}
