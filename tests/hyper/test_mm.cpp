// Memory management of the PV hypervisor (hyper/mm*.cpp): validation of L1/L2/L3 tables and
// descriptors built directly in machine memory, every refusal with its Xen error number, the
// reference counts (recounted by mm_audit after each scenario), the hypercalls that change
// tables, memory_op, and the writable-page-table emulation run on the CPU.
#include <doctest/doctest.h>

#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "frontend/elf_image.h"
#include "frontend/run_pv.h"
#include "hyper/abi32.h"
#include "hyper/guest_access.h"
#include "hyper/hypervisor.h"
#include "tests/hyper/guest_fixture.h"
#include "hyper/mm.h"
#include "pv_test_continuations.h"
#include "pv_test_mm.h"
#include "pv_test_mm_hostile.h"

using namespace pvlab;
using namespace pvlab::hyper;

namespace {

constexpr uint32_t kBase = 0xC0000000u;
constexpr uint32_t kImageSize = 0x10000;
constexpr uint32_t kHypercallPage = kBase + 0x1000;
constexpr uint32_t kCode = kBase + 0x2000;   // test code for the CPU
constexpr uint32_t kArgs = kBase + 0x8000;   // hypercall arguments
constexpr uint32_t kWindow = kBase + 0xE000; // a page the tests remap
constexpr uint64_t P = hyper::pte::P, RW = hyper::pte::RW, US = hyper::pte::US, A = hyper::pte::A, D = hyper::pte::D;

using test::num_note;
using test::str_note;

struct Dom {
  std::vector<uint8_t> image = std::vector<uint8_t>(kImageSize, 0x90);
  std::unique_ptr<Hypervisor> hv;
  std::string why, last_reason;
  unsigned next_scratch = 0;

  Dom() {
    HypervisorConfig cfg;
    cfg.domain_bytes = 16u << 20;
    cfg.vcpus = 2;
    hv = std::make_unique<Hypervisor>(cfg);
    const GuestImage g = test::pv_image("mm-test", kBase, image, kCode, kHypercallPage);
    std::string err;
    REQUIRE_MESSAGE(hv->build(g, err), err);
  }

  Domain& dom() { return hv->domain(); }
  Vcpu& vcpu(unsigned i = 0) { return dom().vcpu(i); }
  FrameInfo& fi(uint32_t mfn) { return hv->frames()[mfn]; }
  uint32_t mfn_of_va(uint32_t va) { return dom().p2m[(va - kBase) >> 12]; }

  // A zeroed frame of the domain that nothing maps (beyond the bootstrap region).
  uint32_t scratch() {
    const uint32_t mfn = dom().p2m[3000 + next_scratch++];
    std::memset(hv->frame_ptr(mfn), 0, hyper::kPageSize);
    return mfn;
  }
  void set(uint32_t mfn, unsigned i, uint64_t e) { std::memcpy(hv->frame_ptr(mfn) + i * 8, &e, 8); }
  uint64_t get(uint32_t mfn, unsigned i) {
    uint64_t e;
    std::memcpy(&e, hv->frame_ptr(mfn) + i * 8, 8);
    return e;
  }
  static uint64_t ent(uint32_t mfn, uint64_t flags) { return (uint64_t(mfn) << 12) | flags; }

  int pin(uint32_t mfn, PageType t) { why.clear(); return mm_pin(*hv, dom(), mfn, t, why); }
  int unpin(uint32_t mfn) { why.clear(); return mm_unpin(*hv, dom(), mfn, why); }
  int update(uint32_t mfn, unsigned i, uint64_t e) {
    why.clear();
    return mm_update_entry(*hv, dom(), (uint64_t(mfn) << 12) + i * 8, e, false, why);
  }

  // A fresh L3 tree: slot 3 -> a new L2 (the hypervisor's slots filled in by validation).
  uint32_t fresh_l3(uint32_t& l2) {
    const uint32_t l3 = scratch();
    l2 = scratch();
    set(l3, 3, ent(l2, P));
    return l3;
  }

  int32_t call(unsigned nr, std::array<uint32_t, 5> a, unsigned v = 0) {
    HypercallCtx c{*hv, dom(), vcpu(v), a, {}, false};
    const HypercallDef* d = hv->hypercalls().find(nr);
    REQUIRE(d != nullptr);
    const int32_t rc = d->fn(c);
    last_reason = c.reason;
    if (rc < 0) CHECK_MESSAGE(!c.reason.empty(), "a refusal without a reason");
    return rc;
  }
  template <typename T>
  void poke(uint32_t va, const T& v) { REQUIRE(put_guest(*hv, vcpu(), va, v)); }
  template <typename T>
  T peek(uint32_t va) {
    T v{};
    REQUIRE(get_guest(*hv, vcpu(), va, v));
    return v;
  }

  void audit() {
    std::string report;
    CHECK_MESSAGE(mm_audit(*hv, dom(), report), report);
  }
};

uint64_t desc(uint32_t base, uint32_t limit, unsigned type, unsigned dpl, bool s, bool g) {
  const uint32_t a = (limit & 0xffff) | (base << 16);
  const uint32_t b = ((base >> 16) & 0xff) | (type << 8) | (s ? 1u << 12 : 0) | (dpl << 13) | (1u << 15) |
                     (limit & 0xf0000) | (g ? 1u << 23 : 0) | (1u << 22) | (base & 0xff000000u);
  return (uint64_t(b) << 32) | a;
}
uint64_t gate(uint16_t sel, uint32_t off, unsigned dpl) {
  const uint32_t a = (off & 0xffff) | (uint32_t(sel) << 16);
  const uint32_t b = (off & 0xffff0000u) | (1u << 15) | (dpl << 13) | (0xcu << 8);
  return (uint64_t(b) << 32) | a;
}
unsigned dpl_of(uint64_t d) { return unsigned(d >> 45) & 3; }
uint32_t limit_of(uint64_t d) { return uint32_t(d & 0xffff) | uint32_t((d >> 32) & 0xf0000); }

}  // namespace

TEST_CASE("mm: the bootstrap tables are validated and every reference counted") {
  Dom t;
  Vcpu& v = t.vcpu();
  const uint32_t l3 = v.base_mfn;
  REQUIRE(l3 != 0);
  CHECK(t.fi(l3).type == PageType::L3);
  CHECK(t.fi(l3).pinned);
  CHECK(t.fi(l3).type_count == 2);   // the pin and CR3
  const uint32_t l2 = uint32_t(t.get(l3, 3) >> 12);
  CHECK(t.fi(l2).pae_xen_l2);
  for (unsigned i = kFirstHvL2Slot; i < kPaeEntries; ++i) CHECK(t.get(l2, i) == t.hv->hv_l2_entry(i));
  CHECK(t.fi(t.mfn_of_va(kCode)).type == PageType::Writable);
  CHECK(t.fi(t.mfn_of_va(kCode)).type_count == 1);
  t.audit();
}

TEST_CASE("mm: L1 validation and its refusals") {
  Dom t;
  const uint32_t l1 = t.scratch(), data = t.scratch();
  t.set(l1, 0, Dom::ent(data, P | RW | US));
  t.set(l1, 1, Dom::ent(l1, P));   // itself, read-only: allowed
  REQUIRE(t.pin(l1, PageType::L1) == 0);
  CHECK(t.fi(data).type == PageType::Writable);
  CHECK(t.fi(data).count == 1);
  CHECK(t.fi(l1).type == PageType::L1);
  t.audit();
  CHECK(t.pin(l1, PageType::L1) == -XEN_EINVAL);   // pinned once only
  REQUIRE(t.unpin(l1) == 0);
  CHECK(t.fi(data).type == PageType::None);
  CHECK(t.fi(data).count == 0);
  CHECK(t.unpin(l1) == -XEN_EINVAL);
  t.audit();

  const uint32_t l3 = t.vcpu().base_mfn;
  uint32_t m2p_mfn = 0;
  {
    const uint64_t l2e = t.hv->hv_l2_entry((kM2PStart >> 21) & 511);
    m2p_mfn = uint32_t(t.get(uint32_t(l2e >> 12), 0) >> 12);
  }
  struct Case {
    const char* name;
    uint64_t e;
    int err;
  } cases[] = {
      {"writable mapping of itself", Dom::ent(l1, P | RW), -XEN_EBUSY},
      {"writable mapping of the L3", Dom::ent(l3, P | RW), -XEN_EBUSY},
      {"an M2P frame", Dom::ent(m2p_mfn, P), -XEN_EBUSY},
      {"a hypervisor pool frame", Dom::ent(1, P), -XEN_EBUSY},
      {"the hypervisor's zero frame", Dom::ent(t.hv->zero_frame(), P), -XEN_EBUSY},
      {"no such frame", Dom::ent(t.hv->machine_frames() + 5, P), -XEN_EPERM},
      {"PAT", Dom::ent(data, P | hyper::pte::PS), -XEN_EINVAL},
      {"PCD", Dom::ent(data, P | hyper::pte::PCD), -XEN_EINVAL},
      {"bit 52", Dom::ent(data, P) | (1ull << 52), -XEN_EINVAL},
  };
  for (const Case& c : cases) {
    CAPTURE(c.name);
    const uint32_t bad = t.scratch();
    t.set(bad, 0, Dom::ent(data, P | RW));   // a good entry first: it must be undone
    t.set(bad, 7, c.e);
    if (c.e >> 12 == l1) t.set(bad, 7, Dom::ent(bad, P | RW));
    CHECK(t.pin(bad, PageType::L1) == c.err);
    CHECK(!t.why.empty());
    CHECK(t.fi(bad).type == PageType::None);
    CHECK(t.fi(data).count == 0);
    t.audit();
  }
  // Read-only mappings of any of the domain's table frames are fine.
  const uint32_t ro = t.scratch();
  t.set(ro, 0, Dom::ent(l3, P));
  CHECK(t.pin(ro, PageType::L1) == 0);
  t.audit();
}

TEST_CASE("mm: L2 rules: superpages, types, linear page tables") {
  Dom t;
  const uint32_t l2 = t.scratch(), l1 = t.scratch(), page = t.scratch();
  t.set(l1, 0, Dom::ent(page, P | RW));
  t.set(l2, 0, Dom::ent(l1, P | RW | US));
  t.set(l2, 1, Dom::ent(l2, P | US));   // linear: its own table, read-only
  REQUIRE(t.pin(l2, PageType::L2) == 0);
  CHECK(t.fi(l1).type == PageType::L1);
  t.audit();

  SUBCASE("superpage") {
    const uint32_t bad = t.scratch();
    t.set(bad, 0, Dom::ent(page, P | RW | hyper::pte::PS));
    CHECK(t.pin(bad, PageType::L2) == -XEN_EINVAL);
    CHECK(t.why.find("superpage") != std::string::npos);
  }
  SUBCASE("a writable page as an L1") {
    const uint32_t bad = t.scratch();
    t.set(bad, 0, Dom::ent(t.mfn_of_va(kCode), P | RW));
    CHECK(t.pin(bad, PageType::L2) == -XEN_EINVAL);
  }
  SUBCASE("linear mapping of itself writable") {
    const uint32_t bad = t.scratch();
    t.set(bad, 5, Dom::ent(bad, P | RW));
    CHECK(t.pin(bad, PageType::L2) == -XEN_EINVAL);
  }
  SUBCASE("linear mapping of another validated L2, and no chains") {
    const uint32_t other = t.scratch();
    t.set(other, 0, Dom::ent(l2, P));   // read-only: allowed
    REQUIRE(t.pin(other, PageType::L2) == 0);
    CHECK(t.fi(l2).type_count == 2);
    t.audit();
    const uint32_t third = t.scratch();
    t.set(third, 0, Dom::ent(other, P));   // `other` holds a linear entry: no chain through it
    CHECK(t.pin(third, PageType::L2) == -XEN_EINVAL);
    t.set(third, 0, Dom::ent(l2, P | RW));  // writable linear mapping
    CHECK(t.pin(third, PageType::L2) == -XEN_EINVAL);
    REQUIRE(t.unpin(other) == 0);
    CHECK(t.fi(l2).type_count == 1);
  }
  SUBCASE("cache attributes") {
    const uint32_t bad = t.scratch();
    t.set(bad, 0, Dom::ent(l1, P | hyper::pte::PWT));
    CHECK(t.pin(bad, PageType::L2) == -XEN_EINVAL);
  }
  t.audit();
  REQUIRE(t.unpin(l2) == 0);
  CHECK(t.fi(l1).type == PageType::None);
  CHECK(t.fi(page).count == 0);
  t.audit();
}

TEST_CASE("mm: PAE L3 rules and the slot-3 L2") {
  Dom t;
  uint32_t l2 = 0;
  const uint32_t l3 = t.fresh_l3(l2);
  const uint32_t low_l2 = t.scratch();
  t.set(l3, 0, Dom::ent(low_l2, P));
  // Guest entries in the hypervisor's slots are replaced by the hypervisor's.
  t.set(l2, kFirstHvL2Slot, Dom::ent(t.scratch(), P | RW));
  REQUIRE(t.pin(l3, PageType::L3) == 0);
  CHECK(t.fi(l2).pae_xen_l2);
  CHECK_FALSE(t.fi(low_l2).pae_xen_l2);
  CHECK(t.get(l2, kFirstHvL2Slot) == t.hv->hv_l2_entry(kFirstHvL2Slot));
  t.audit();

  SUBCASE("slot 3 missing") {
    const uint32_t bad = t.scratch();
    CHECK(t.pin(bad, PageType::L3) == -XEN_EINVAL);
  }
  SUBCASE("reserved bits in an L3 entry") {
    uint32_t l2b = 0;
    const uint32_t bad = t.fresh_l3(l2b);
    t.set(bad, 1, Dom::ent(t.scratch(), P | hyper::pte::PS));
    CHECK(t.pin(bad, PageType::L3) == -XEN_EINVAL);
    CHECK(t.fi(l2b).type == PageType::None);   // slot 3's validation undone
  }
  SUBCASE("RW, US, A and D in an L3 entry are accepted and cleared, as a PDPTE needs") {
    uint32_t l2b = 0;
    const uint32_t l3b = t.fresh_l3(l2b);
    const uint32_t l2c = t.scratch();
    const uint64_t e = Dom::ent(l2c, P | RW | hyper::pte::US | hyper::pte::A | hyper::pte::D);
    t.set(l3b, 1, e);
    CHECK(t.pin(l3b, PageType::L3) == 0);
    CHECK(t.get(l3b, 1) == Dom::ent(l2c, P));
    CHECK(t.fi(l2c).type == PageType::L2);
    t.audit();
  }
  SUBCASE("a slot-3 L2 in another slot") {
    uint32_t l2b = 0;
    const uint32_t bad = t.fresh_l3(l2b);
    t.set(bad, 0, Dom::ent(l2, P));
    CHECK(t.pin(bad, PageType::L3) == -XEN_EINVAL);
  }
  SUBCASE("an ordinary L2 in slot 3") {
    const uint32_t bad = t.scratch();
    t.set(bad, 3, Dom::ent(low_l2, P));
    CHECK(t.pin(bad, PageType::L3) == -XEN_EINVAL);
    CHECK(t.pin(l2, PageType::L2) == -XEN_EINVAL);   // and a slot-3 L2 cannot be pinned as a plain L2
  }
  SUBCASE("updates: slot 3 fixed, hypervisor slots refused") {
    CHECK(t.update(l3, 3, Dom::ent(low_l2, P)) == -XEN_EINVAL);
    CHECK(t.update(l2, kFirstHvL2Slot, 0) == -XEN_EPERM);
    CHECK(t.update(l2, 511, Dom::ent(t.scratch(), P)) == -XEN_EPERM);
    const uint32_t another = t.scratch();
    CHECK(t.update(l3, 1, Dom::ent(another, P)) == 0);
    CHECK(t.fi(another).type == PageType::L2);
    CHECK(t.update(l3, 1, 0) == 0);
    CHECK(t.fi(another).type == PageType::None);
  }
  t.audit();
}

TEST_CASE("mm: mmu_update batches, success_count, M2P updates and foreign domains") {
  Dom t;
  const uint32_t l1 = t.scratch(), a = t.scratch(), b = t.scratch();
  REQUIRE(t.pin(l1, PageType::L1) == 0);
  const uint64_t base = uint64_t(l1) << 12;
  mmu_update_t reqs[4] = {{base + 0, Dom::ent(a, P | RW)},
                          {base + 8, Dom::ent(b, P)},
                          {base + 16, Dom::ent(l1, P | RW)},   // refused: its own L1, writable
                          {base + 24, Dom::ent(a, P)}};
  t.poke(kArgs, reqs);
  t.poke(kArgs + 0x100, uint32_t(99));
  CHECK(t.call(__HYPERVISOR_mmu_update, {kArgs, 4, kArgs + 0x100, DOMID_SELF, 0}) == -XEN_EBUSY);
  CHECK(t.last_reason.find("request 2") != std::string::npos);
  CHECK(t.peek<uint32_t>(kArgs + 0x100) == 2);
  CHECK(t.fi(a).type == PageType::Writable);
  CHECK(t.fi(b).count == 1);
  CHECK(t.get(l1, 2) == 0);
  t.audit();

  // PRESERVE_AD keeps the accessed and dirty bits the entry has.
  t.set(l1, 0, Dom::ent(a, P | RW | A | D));
  mmu_update_t ad{(base + 0) | MMU_PT_UPDATE_PRESERVE_AD, Dom::ent(a, P | RW)};
  t.poke(kArgs, ad);
  CHECK(t.call(__HYPERVISOR_mmu_update, {kArgs, 1, 0, DOMID_SELF, 0}) == 0);
  CHECK(t.get(l1, 0) == Dom::ent(a, P | RW | A | D));

  mmu_update_t m2p{(uint64_t(a) << 12) | MMU_MACHPHYS_UPDATE, 1234};
  t.poke(kArgs, m2p);
  CHECK(t.call(__HYPERVISOR_mmu_update, {kArgs, 1, 0, DOMID_SELF, 0}) == 0);
  CHECK(t.hv->m2p(a) == 1234);
  mmu_update_t m2p_bad{(uint64_t(1) << 12) | MMU_MACHPHYS_UPDATE, 5};
  t.poke(kArgs, m2p_bad);
  CHECK(t.call(__HYPERVISOR_mmu_update, {kArgs, 1, 0, DOMID_SELF, 0}) == -XEN_EINVAL);
  CHECK(t.call(__HYPERVISOR_mmu_update, {kArgs, 1, 0, 7, 0}) == -XEN_ESRCH);
  CHECK(t.call(__HYPERVISOR_mmu_update, {0xF5800000u, 1, 0, DOMID_SELF, 0}) == -XEN_EFAULT);

  // An ordinary page takes a plain write; a descriptor page in use refuses it.
  const uint32_t plain = t.scratch();
  CHECK(t.update(plain, 3, 0x1234) == 0);
  CHECK(t.get(plain, 3) == 0x1234);
  CHECK(t.fi(plain).type == PageType::None);
  t.audit();
}

TEST_CASE("mm: mmuext_op: pins, a new address space, flushes, copy and clear") {
  Dom t;
  Vcpu& v = t.vcpu();
  uint32_t l2 = 0;
  const uint32_t l3 = t.fresh_l3(l2);
  // Map the test image in the new space too (the batch's own arguments are read through it).
  const uint32_t l1 = t.scratch();
  for (uint32_t va = kBase; va < kBase + kImageSize; va += hyper::kPageSize)
    t.set(l1, (va >> 12) & 511, Dom::ent(t.mfn_of_va(va), P | RW));
  t.set(l2, (kCode >> 21) & 511, Dom::ent(l1, P | RW));
  abi32::mmuext_op ops[3] = {{MMUEXT_PIN_L3_TABLE, {l3}, {0}},
                             {MMUEXT_NEW_BASEPTR, {l3}, {0}},
                             {MMUEXT_TLB_FLUSH_ALL, {0}, {0}}};
  t.poke(kArgs, ops);
  const uint32_t old = v.base_mfn;
  const uint32_t gen = t.hv->frames().flush_gen;
  CHECK(t.call(__HYPERVISOR_mmuext_op, {kArgs, 3, kArgs + 0x100, DOMID_SELF, 0}) == 0);
  CHECK(v.base_mfn == l3);
  CHECK(v.cpu->s.cr3 == l3 << 12);
  CHECK(v.cpu->s.pdpte[3] == t.get(l3, 3));
  CHECK(t.fi(l3).type_count == 2);
  CHECK(t.fi(old).type_count == 1);   // still pinned
  CHECK(t.hv->frames().flush_gen == gen + 1);
  CHECK(t.peek<uint32_t>(kArgs + 0x100) == 3);
  t.audit();

  // Changing an L3 entry of the current L3 reloads the PDPTE registers.
  const uint32_t low = t.scratch();
  CHECK(t.update(l3, 0, Dom::ent(low, P)) == 0);
  CHECK(v.cpu->s.pdpte[0] == Dom::ent(low, P));

  abi32::mmuext_op bad[] = {{MMUEXT_NEW_BASEPTR, {l1}, {0}},        // an L1 as the base
                            {MMUEXT_PIN_L1_TABLE, {1}, {0}},         // a hypervisor frame
                            {MMUEXT_UNPIN_TABLE, {low}, {0}},        // not pinned
                            {MMUEXT_NEW_USER_BASEPTR, {l3}, {0}},
                            {MMUEXT_FLUSH_CACHE, {0}, {0}},
                            {99, {0}, {0}}};
  const int32_t want[] = {-XEN_EINVAL, -XEN_EINVAL, -XEN_EINVAL, -XEN_EINVAL, -XEN_EACCES, -XEN_ENOSYS};
  for (unsigned i = 0; i < 6; ++i) {
    CAPTURE(i);
    t.poke(kArgs, bad[i]);
    CHECK(t.call(__HYPERVISOR_mmuext_op, {kArgs, 1, kArgs + 0x100, DOMID_SELF, 0}) == want[i]);
    CHECK(t.peek<uint32_t>(kArgs + 0x100) == 0);
  }

  // Back to the old space; the new L3 stays pinned.
  abi32::mmuext_op back{MMUEXT_NEW_BASEPTR, {old}, {0}};
  t.poke(kArgs, back);
  CHECK(t.call(__HYPERVISOR_mmuext_op, {kArgs, 1, 0, DOMID_SELF, 0}) == 0);
  CHECK(t.fi(l3).type_count == 1);

  // COPY_PAGE and CLEAR_PAGE write only pages that could be mapped writable.
  const uint32_t src = t.scratch(), dst = t.scratch();
  std::memset(t.hv->frame_ptr(src), 0x5a, hyper::kPageSize);
  abi32::mmuext_op copy{MMUEXT_COPY_PAGE, {dst}, {0}};
  copy.arg2.src_mfn = src;
  t.poke(kArgs, copy);
  CHECK(t.call(__HYPERVISOR_mmuext_op, {kArgs, 1, 0, DOMID_SELF, 0}) == 0);
  CHECK(t.hv->frame_ptr(dst)[100] == 0x5a);
  abi32::mmuext_op clear{MMUEXT_CLEAR_PAGE, {dst}, {0}};
  t.poke(kArgs, clear);
  CHECK(t.call(__HYPERVISOR_mmuext_op, {kArgs, 1, 0, DOMID_SELF, 0}) == 0);
  CHECK(t.hv->frame_ptr(dst)[100] == 0);
  abi32::mmuext_op clear_l3{MMUEXT_CLEAR_PAGE, {l3}, {0}};
  t.poke(kArgs, clear_l3);
  CHECK(t.call(__HYPERVISOR_mmuext_op, {kArgs, 1, 0, DOMID_SELF, 0}) == -XEN_EINVAL);
  t.audit();
}

TEST_CASE("mm: update_va_mapping with flushes, and stale TLB entries before a type change") {
  Dom t;
  Vcpu& v = t.vcpu();
  const uint32_t frame = t.scratch();
  CHECK(t.call(__HYPERVISOR_update_va_mapping, {kWindow, uint32_t(Dom::ent(frame, P | RW | A | D)), 0,
                                                UVMF_INVLPG | UVMF_LOCAL, 0}) == 0);
  uint32_t err = 0;
  TlbEntry* e = v.cpu->mmu().translate(kWindow, kWrite, err);
  REQUIRE(e != nullptr);
  CHECK(e->frame == paddr_t(frame) << 12);
  // Unmapped without a flush: the TLB still holds the writable entry. Using the frame as a
  // table must flush it first.
  CHECK(t.call(__HYPERVISOR_update_va_mapping, {kWindow, uint32_t(Dom::ent(t.mfn_of_va(kWindow), P | RW)), 0,
                                                UVMF_NONE, 0}) == 0);
  const uint32_t gen = t.hv->frames().flush_gen;
  CHECK(t.pin(frame, PageType::L1) == 0);
  CHECK(t.hv->frames().flush_gen == gen + 1);
  // Hostile: the hypervisor's area, a writable mapping of a table.
  CHECK(t.call(__HYPERVISOR_update_va_mapping, {0xF5800000u, 0, 0, 0, 0}) == -XEN_EINVAL);
  CHECK(t.call(__HYPERVISOR_update_va_mapping, {0xFFFFF000u, uint32_t(Dom::ent(frame, P)), 0, 0, 0}) == -XEN_EINVAL);
  CHECK(t.call(__HYPERVISOR_update_va_mapping, {kWindow, uint32_t(Dom::ent(frame, P | RW)), 0, UVMF_TLB_FLUSH | UVMF_ALL, 0}) ==
        -XEN_EBUSY);
  CHECK(t.call(__HYPERVISOR_update_va_mapping, {kWindow, uint32_t(Dom::ent(frame, P)), 0, UVMF_TLB_FLUSH | UVMF_ALL, 0}) == 0);
  CHECK(t.call(__HYPERVISOR_update_va_mapping_otherdomain, {kWindow, 0, 0, 0, 3}) == -XEN_ESRCH);
  t.audit();
}

TEST_CASE("mm: check_descriptor's fix-ups and refusals") {
  std::string why;
  uint64_t d = desc(0, 0xfffff, 0xa, 0, true, true);   // flat ring-0 code, 4 GiB
  REQUIRE(mm_check_descriptor(d, why));
  CHECK(dpl_of(d) == 1);
  CHECK(limit_of(d) == (kGuestSegmentEnd >> 12) - 1);   // truncated below the hypervisor
  CHECK(((d >> 40) & 1) == 1);                             // accessed
  d = desc(0x1000, 0xfff, 0x2, 3, true, false);          // small ring-3 data: unchanged but accessed
  uint64_t want = d | (1ull << 40);
  REQUIRE(mm_check_descriptor(d, why));
  CHECK(d == want);
  d = desc(0xF6780000u, 0xfffff, 0x2, 1, true, false);   // byte granular, reaches the hypervisor
  CHECK_FALSE(mm_check_descriptor(d, why));
  d = desc(0xF6800000u, 0, 0x2, 1, true, true);          // base in the hypervisor's area
  CHECK_FALSE(mm_check_descriptor(d, why));
  d = desc(0, 0, 0x6, 1, true, true);                    // expand-down: no access left
  REQUIRE(mm_check_descriptor(d, why));
  CHECK(limit_of(d) == 0xfffff);
  d = gate(kSelHvCode, 0x1000, 3);                       // call gate into ring 0
  CHECK_FALSE(mm_check_descriptor(d, why));
  CHECK(why.find("gate") != std::string::npos);
  d = gate(kSelRing1Code, 0x1000, 3);
  CHECK(mm_check_descriptor(d, why));
  d = gate(0x0020, 0x1000, 3);                           // a guest selector, RPL 0 -> 1
  REQUIRE(mm_check_descriptor(d, why));
  CHECK(((d >> 16) & 0xffff) == 0x21);
  d = desc(0x1000, 0x67, 0x9, 0, false, false);          // a TSS
  CHECK_FALSE(mm_check_descriptor(d, why));
  d = desc(0, 0xfffff, 0xa, 0, true, true) & ~(1ull << 47);   // not present: as it is
  want = d;
  CHECK(mm_check_descriptor(d, why));
  CHECK(d == want);
}

TEST_CASE("mm: set_gdt, update_descriptor and the LDT") {
  Dom t;
  Vcpu& v = t.vcpu();
  const uint32_t g = t.scratch();
  uint64_t* descs = reinterpret_cast<uint64_t*>(t.hv->frame_ptr(g));
  descs[1] = desc(0, 0xfffff, 0xa, 0, true, true);
  t.poke(kArgs, g);
  REQUIRE(t.call(__HYPERVISOR_set_gdt, {kArgs, 512, 0, 0, 0}) == 0);
  CHECK(t.fi(g).type == PageType::SegDesc);
  CHECK(dpl_of(descs[1]) == 1);   // fixed up in place
  CHECK(v.gdt_frames.size() == 1);
  t.audit();
  // The GDT frame cannot be mapped writable now.
  CHECK(t.call(__HYPERVISOR_update_va_mapping, {kWindow, uint32_t(Dom::ent(g, P | RW)), 0, 0, 0}) == -XEN_EBUSY);
  CHECK(t.call(__HYPERVISOR_update_va_mapping, {kWindow, uint32_t(Dom::ent(g, P)), 0, 0, 0}) == 0);
  // update_descriptor validates.
  const uint64_t ma = (uint64_t(g) << 12) + 2 * 8;
  auto upd = [&](uint64_t maddr, uint64_t d) {
    return t.call(__HYPERVISOR_update_descriptor, {uint32_t(maddr), uint32_t(maddr >> 32), uint32_t(d), uint32_t(d >> 32), 0});
  };
  CHECK(upd(ma, desc(0, 0xfffff, 0x2, 3, true, true)) == 0);
  CHECK(limit_of(descs[2]) == (kGuestSegmentEnd >> 12) - 1);
  CHECK(upd(ma, gate(kSelHvCode, 0, 3)) == -XEN_EINVAL);
  CHECK(upd(ma, desc(0xF6780000u, 0xfffff, 0x2, 1, true, false)) == -XEN_EINVAL);
  CHECK(upd(ma + 4, 0) == -XEN_EINVAL);
  CHECK(upd(uint64_t(t.vcpu().base_mfn) << 12, 0) == -XEN_EINVAL);   // the L3 is not writable
  CHECK(upd(uint64_t(1) << 12, 0) == -XEN_EINVAL);                   // nor is a hypervisor frame
  // A frame with a writable mapping cannot become a GDT; too many entries are refused.
  t.poke(kArgs, t.mfn_of_va(kCode));
  CHECK(t.call(__HYPERVISOR_set_gdt, {kArgs, 16, 0, 0, 0}) == -XEN_EINVAL);
  CHECK(t.call(__HYPERVISOR_set_gdt, {kArgs, kFirstReservedGdtEntry + 1, 0, 0, 0}) == -XEN_EINVAL);
  CHECK(v.gdt_frames.size() == 1);
  // A bad descriptor anywhere in a frame refuses it.
  const uint32_t bad = t.scratch();
  reinterpret_cast<uint64_t*>(t.hv->frame_ptr(bad))[300] = gate(kSelHvCode, 0, 1);
  t.poke(kArgs, bad);
  CHECK(t.call(__HYPERVISOR_set_gdt, {kArgs, 16, 0, 0, 0}) == -XEN_EINVAL);
  t.audit();

  // The LDT: its page (mapped read-only at kWindow) is taken as a descriptor page.
  const uint32_t ldt = t.scratch();
  reinterpret_cast<uint64_t*>(t.hv->frame_ptr(ldt))[0] = desc(0, 0xfff, 0x2, 3, true, false);
  CHECK(t.call(__HYPERVISOR_update_va_mapping, {kWindow, uint32_t(Dom::ent(ldt, P | RW)), 0, UVMF_INVLPG, 0}) == 0);
  abi32::mmuext_op op{MMUEXT_SET_LDT, {kWindow}, {0}};
  op.arg2.nr_ents = 16;
  t.poke(kArgs, op);
  CHECK(t.call(__HYPERVISOR_mmuext_op, {kArgs, 1, 0, DOMID_SELF, 0}) == -XEN_EINVAL);   // still writable
  CHECK(t.call(__HYPERVISOR_update_va_mapping, {kWindow, uint32_t(Dom::ent(ldt, P)), 0, UVMF_INVLPG, 0}) == 0);
  CHECK(t.call(__HYPERVISOR_mmuext_op, {kArgs, 1, 0, DOMID_SELF, 0}) == 0);
  CHECK(t.fi(ldt).type == PageType::SegDesc);
  CHECK(v.cpu->s.ldtr.sel == kSelLdt);
  CHECK(v.cpu->s.ldtr.base == ldt_va(0));
  CHECK(v.cpu->s.ldtr.limit == 16 * 8 - 1);
  uint64_t loaded = 0;
  REQUIRE(v.cpu->read_descriptor(0x0007, loaded));   // LDT entry 0
  CHECK(dpl_of(loaded) == 3);
  op.arg1.linear_addr = kWindow + 8;   // not page aligned
  t.poke(kArgs, op);
  CHECK(t.call(__HYPERVISOR_mmuext_op, {kArgs, 1, 0, DOMID_SELF, 0}) == -XEN_EINVAL);
  op.arg1.linear_addr = 0xF57FF000u;   // reaching the hypervisor
  t.poke(kArgs, op);
  CHECK(t.call(__HYPERVISOR_mmuext_op, {kArgs, 1, 0, DOMID_SELF, 0}) == -XEN_EINVAL);
  op.arg2.nr_ents = 0;
  t.poke(kArgs, op);
  CHECK(t.call(__HYPERVISOR_mmuext_op, {kArgs, 1, 0, DOMID_SELF, 0}) == 0);
  CHECK(t.fi(ldt).type == PageType::None);
  CHECK(v.cpu->s.ldtr.sel == 0);
  t.audit();
}

TEST_CASE("mm: memory_op") {
  Dom t;
  Domain& d = t.dom();
  CHECK(t.call(__HYPERVISOR_memory_op, {XENMEM_maximum_ram_page, 0, 0, 0, 0}) == int32_t(t.hv->machine_frames()));
  t.poke(kArgs, uint16_t(DOMID_SELF));
  CHECK(t.call(__HYPERVISOR_memory_op, {XENMEM_current_reservation, kArgs, 0, 0, 0}) == int32_t(d.nr_pages));
  CHECK(t.call(__HYPERVISOR_memory_op, {XENMEM_maximum_reservation, kArgs, 0, 0, 0}) == int32_t(d.nr_pages));
  CHECK(t.call(__HYPERVISOR_memory_op, {XENMEM_maximum_gpfn, kArgs, 0, 0, 0}) == int32_t(d.nr_pages - 1));
  t.poke(kArgs, uint16_t(5));
  CHECK(t.call(__HYPERVISOR_memory_op, {XENMEM_current_reservation, kArgs, 0, 0, 0}) == -XEN_ESRCH);

  abi32::xen_memory_map map{4, kArgs + 0x100};
  t.poke(kArgs, map);
  REQUIRE(t.call(__HYPERVISOR_memory_op, {XENMEM_memory_map, kArgs, 0, 0, 0}) == 0);
  CHECK(t.peek<abi32::xen_memory_map>(kArgs).nr_entries == 1);
  const auto e820 = t.peek<abi32::e820_entry>(kArgs + 0x100);
  CHECK(e820.addr == 0);
  CHECK(e820.size == uint64_t(d.nr_pages) << 12);
  CHECK(e820.type == 1);

  REQUIRE(t.call(__HYPERVISOR_memory_op, {XENMEM_machphys_mapping, kArgs, 0, 0, 0}) == 0);
  const auto mm = t.peek<abi32::xen_machphys_mapping>(kArgs);
  CHECK(mm.v_start == kM2PStart);
  CHECK(mm.v_end == kM2PEnd);
  abi32::xen_machphys_mfn_list list{8, kArgs + 0x100, 0};
  t.poke(kArgs, list);
  REQUIRE(t.call(__HYPERVISOR_memory_op, {XENMEM_machphys_mfn_list, kArgs, 0, 0, 0}) == 0);
  const auto got = t.peek<abi32::xen_machphys_mfn_list>(kArgs);
  REQUIRE(got.nr_extents >= 1);
  // The first extent's frame holds the M2P entry of machine frame 0 onwards.
  const uint32_t m2p0 = t.peek<uint32_t>(kArgs + 0x100);
  const uint32_t probe = t.mfn_of_va(kCode);
  uint32_t entry;
  std::memcpy(&entry, t.hv->frame_ptr(m2p0 + probe / 1024) + (probe % 1024) * 4, 4);
  CHECK(entry == t.hv->m2p(probe));

  abi32::xen_add_to_physmap x{DOMID_SELF, 0, XENMAPSPACE_shared_info, 0, 77};
  t.poke(kArgs, x);
  CHECK(t.call(__HYPERVISOR_memory_op, {XENMEM_add_to_physmap, kArgs, 0, 0, 0}) == 0);
  CHECK(t.hv->m2p(d.shared_info_mfn) == 77);
  x.space = XENMAPSPACE_gmfn;
  t.poke(kArgs, x);
  CHECK(t.call(__HYPERVISOR_memory_op, {XENMEM_add_to_physmap, kArgs, 0, 0, 0}) == -XEN_EINVAL);

  // The balloon: give back an unused frame, refuse a used one, take one again.
  const uint32_t spare = t.scratch(), used = t.mfn_of_va(kCode);
  t.poke(kArgs + 0x100, spare);
  t.poke(kArgs + 0x104, used);
  abi32::xen_memory_reservation r{kArgs + 0x100, 2, 0, 0, DOMID_SELF, 0};
  t.poke(kArgs, r);
  CHECK(t.call(__HYPERVISOR_memory_op, {XENMEM_decrease_reservation, kArgs, 0, 0, 0}) == 1);
  CHECK(t.fi(spare).owner == kOwnerNone);
  CHECK(d.tot_pages == d.max_pages - 1);
  r.nr_extents = 1;
  t.poke(kArgs, r);
  CHECK(t.call(__HYPERVISOR_memory_op, {XENMEM_increase_reservation, kArgs, 0, 0, 0}) == 1);
  CHECK(t.peek<uint32_t>(kArgs + 0x100) == spare);
  CHECK(t.fi(spare).owner == d.id);
  CHECK(t.call(__HYPERVISOR_memory_op, {XENMEM_increase_reservation, kArgs, 0, 0, 0}) == 0);   // at the maximum
  CHECK(t.call(__HYPERVISOR_memory_op, {XENMEM_exchange, kArgs, 0, 0, 0}) == -XEN_ENOSYS);
  t.audit();
}

TEST_CASE("mm: writable page tables: a ring-1 write to an L1 is validated and applied") {
  Dom t;
  Vcpu& v = t.vcpu();
  Cpu& c = *v.cpu;
  const uint32_t l1 = t.scratch(), data = t.scratch();
  REQUIRE(t.pin(l1, PageType::L1) == 0);
  // The L1 is visible read-only at kWindow.
  REQUIRE(t.call(__HYPERVISOR_update_va_mapping, {kWindow, uint32_t(Dom::ent(l1, P)), 0, UVMF_INVLPG, 0}) == 0);
  t.dom().vm_assist |= 1u << VMASST_TYPE_writable_pagetables;

  // mov [kWindow + 8*5], eax ; mov [kWindow + 8*5 + 4], edx ; jmp $
  std::vector<uint8_t> code = {0xa3, 0, 0, 0, 0, 0x89, 0x15, 0, 0, 0, 0, 0xeb, 0xfe};
  const uint32_t slot = kWindow + 5 * 8;
  std::memcpy(&code[1], &slot, 4);
  const uint32_t slot_hi = slot + 4;
  std::memcpy(&code[7], &slot_hi, 4);
  std::memcpy(t.hv->frame_ptr(t.mfn_of_va(kCode)), code.data(), code.size());

  SUBCASE("a valid entry") {
    const uint64_t e = Dom::ent(data, P | RW);
    c.s.eip = kCode;
    c.s.r[EAX] = uint32_t(e);
    c.s.r[EDX] = uint32_t(e >> 32);
    c.run(2);
    CHECK(c.s.eip == kCode + 11);
    CHECK(t.get(l1, 5) == e);
    CHECK(t.fi(data).type == PageType::Writable);
    CHECK(t.fi(data).count == 1);
  }
  SUBCASE("a writable mapping of the L1 itself is refused, nothing changes") {
    const uint64_t e = Dom::ent(l1, P | RW);
    c.s.eip = kCode;
    c.s.r[EAX] = uint32_t(e);
    c.s.r[EDX] = 0;
    c.run(1);
    CHECK(t.get(l1, 5) == 0);
    CHECK(t.fi(l1).type == PageType::L1);
    CHECK(c.s.eip != kCode + 5);   // not executed: the #PF went to the guest (no handler: crash)
  }
  SUBCASE("without the assist the write faults") {
    t.dom().vm_assist = 0;
    c.s.eip = kCode;
    c.s.r[EAX] = uint32_t(Dom::ent(data, P));
    c.run(1);
    CHECK(t.get(l1, 5) == 0);
  }
  t.audit();
}

TEST_CASE("mm: the PV conformance kernels pass and leave every count exact") {
  struct Kernel {
    const char* name;
    const uint8_t* data;
    size_t size;
  };
  for (const Kernel& k : {Kernel{"pv-test-mm.elf", kPvTestMm, sizeof kPvTestMm},
                          Kernel{"pv-test-mm_hostile.elf", kPvTestMmHostile, sizeof kPvTestMmHostile}}) {
    CAPTURE(k.name);
    std::string err;
    auto img = parse_elf(k.name, std::vector<uint8_t>(k.data, k.data + k.size), err);
    REQUIRE_MESSAGE(img.has_value(), err);
    HypervisorConfig cfg;
    cfg.domain_bytes = 32u << 20;
    Hypervisor hv(cfg);
    REQUIRE_MESSAGE(hv.build(guest_image_of(*img), err), err);
    const PvRunResult r = hv.run(50'000'000);
    CHECK(r.end == PvEnd::Shutdown);
    CHECK(r.reason == ShutdownReason::PowerOff);
    CHECK(hv.console().find(", 0 failed") != std::string::npos);
    CHECK(hv.console().find("FAIL") == std::string::npos);
    std::string report;
    CHECK_MESSAGE(mm_audit(hv, hv.domain(), report), report);
  }
}

TEST_CASE("mm: long batches run in passes: each pass is a hypercall of its own in the log") {
  std::string err;
  auto img = parse_elf("pv-test-continuations.elf",
                       std::vector<uint8_t>(kPvTestContinuations, kPvTestContinuations + sizeof kPvTestContinuations), err);
  REQUIRE_MESSAGE(img.has_value(), err);
  HypervisorConfig cfg;
  cfg.domain_bytes = 32u << 20;
  Hypervisor hv(cfg);
  REQUIRE_MESSAGE(hv.build(guest_image_of(*img), err), err);
  const PvRunResult r = hv.run(50'000'000);
  CHECK(r.reason == ShutdownReason::PowerOff);
  CHECK(hv.console().find(", 0 failed") != std::string::npos);
  CHECK(hv.console().find("FAIL") == std::string::npos);
  // A preempted pass names what is left; the next pass of the same call has the rest.
  constexpr uint32_t kPreemptedFlag = 0x80000000u;
  unsigned preempted[64] = {}, continued[64] = {};
  for (const HypercallRecord& rec : hv.hypercall_log().recent()) {
    if (rec.nr >= 64) continue;
    if (rec.reason.find("preempted") != std::string::npos) ++preempted[rec.nr];
    const bool flagged = (rec.nr == __HYPERVISOR_mmu_update || rec.nr == __HYPERVISOR_mmuext_op) &&
                         (rec.arg[1] & kPreemptedFlag);
    if (flagged) ++continued[rec.nr];
  }
  CHECK(preempted[__HYPERVISOR_mmu_update] >= 6);       // two passes cut short in each of three batches
  CHECK(continued[__HYPERVISOR_mmu_update] >= 4);       // ... and resumed outside a multicall at least twice
  CHECK(preempted[__HYPERVISOR_mmuext_op] == 2);        // 301 ops: 128 + 128 + 45
  CHECK(continued[__HYPERVISOR_mmuext_op] == 2);
  CHECK(preempted[__HYPERVISOR_multicall] >= 3);        // a preempted entry twice, a 300-entry list twice
  std::string report;
  CHECK_MESSAGE(mm_audit(hv, hv.domain(), report), report);
}
