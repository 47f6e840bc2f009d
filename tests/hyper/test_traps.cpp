// Virtual traps, privileged-instruction emulation and the trap hypercalls, tested on a small
// domain whose kernel is a few hand-assembled instructions: the PV CPUID policy, the
// handler-selector rules, bounce frames from ring 1 and ring 3 (layout, upcall mask, CR2),
// a frame that cannot be written, HYPERVISOR_iret (ring 1, ring 3, refused and failsafe
// cases), the debug-register rules, and emulated instructions run by the CPU.
#include <doctest/doctest.h>

#include <cstddef>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "cpu/model.h"
#include "hyper/emulate.h"
#include "hyper/events.h"
#include "hyper/guest_access.h"
#include "hyper/hypervisor.h"
#include "tests/hyper/guest_fixture.h"
#include "hyper/traps.h"

using namespace pvlab;
using namespace pvlab::hyper;

namespace {

constexpr uint32_t kBase = 0xC0000000u;
constexpr uint32_t kImageSize = 0x10000;
constexpr uint32_t kSpin = kBase;                 // jmp $
constexpr uint32_t kHandler = kBase + 0x40;       // jmp $ (every trap handler)
constexpr uint32_t kPriv = kBase + 0x100;         // privileged instructions, then jmp $
constexpr uint32_t kHypercallPage = kBase + 0x1000;
constexpr uint32_t kStack = kBase + 0x8000;       // ring-1 stack top
constexpr uint32_t kKernelStack = kBase + 0x9000; // stack_switch's stack top
constexpr uint32_t kUserStack = kBase + 0xA000;   // ring-3 stack top
constexpr uint32_t kArgs = kBase + 0xB000;

using test::num_note;
using test::str_note;

// The privileged sequence at kPriv: mov eax, cr3 / clts / in al, 0x60 / cli / mov ecx, cr0 /
// jmp $.
const uint8_t kPrivCode[] = {0x0f, 0x20, 0xd8, 0x0f, 0x06, 0xe4, 0x60, 0xfa, 0x0f, 0x20, 0xc1, 0xeb, 0xfe};

struct TrapDomain {
  std::vector<uint8_t> image = std::vector<uint8_t>(kImageSize, 0x90);
  std::unique_ptr<Hypervisor> hv;

  TrapDomain() {
    image[0] = 0xeb;
    image[1] = 0xfe;
    image[kHandler - kBase] = 0xeb;
    image[kHandler - kBase + 1] = 0xfe;
    std::memcpy(&image[kPriv - kBase], kPrivCode, sizeof kPrivCode);
    HypervisorConfig cfg;
    cfg.domain_bytes = 16u << 20;
    hv = std::make_unique<Hypervisor>(cfg);
    const GuestImage g = test::pv_image("traps-test", kBase, image, kSpin, kHypercallPage);
    std::string err;
    REQUIRE_MESSAGE(hv->build(g, err), err);
    cpu().s.r[ESP] = kStack;
  }

  Vcpu& vcpu() { return hv->domain().vcpu(0); }
  Cpu& cpu() { return hv->cpu(0); }
  uint32_t peek(uint32_t va) {
    uint32_t v = 0;
    REQUIRE(get_guest(*hv, vcpu(), va, v));
    return v;
  }
  void route(uint8_t vec, unsigned dpl, bool mask) { vcpu().traps[vec] = {true, uint8_t(dpl), mask, kSelRing1Code, kHandler}; }
  int32_t call(unsigned nr, uint32_t a0 = 0, uint32_t a1 = 0, uint32_t a2 = 0, uint32_t a3 = 0) {
    bool handled = false;
    return hv->dispatch_hypercall(vcpu(), nr, {a0, a1, a2, a3, 0}, handled);
  }
  void enter_ring3(uint32_t eip, uint32_t esp) {
    std::string why;
    REQUIRE(load_guest_code(cpu(), kSelRing3Code, why));
    REQUIRE(load_guest_stack(cpu(), kSelRing3Data, why));
    cpu().s.eip = eip;
    cpu().s.r[ESP] = esp;
  }
};

}  // namespace

TEST_CASE("traps: the PV CPUID policy") {
  TrapDomain d;
  const CpuidResult sig = pv_cpuid(*d.hv, 0x40000000u, 0);
  CHECK(sig.ebx == XEN_CPUID_SIGNATURE_EBX);
  CHECK(sig.ecx == XEN_CPUID_SIGNATURE_ECX);
  CHECK(sig.edx == XEN_CPUID_SIGNATURE_EDX);
  CHECK(sig.eax == 0x40000005u);
  CHECK(pv_cpuid(*d.hv, 0x40000001u, 0).eax == (kXenVersionMajor << 16 | kXenVersionMinor));
  CHECK(pv_cpuid(*d.hv, 0x40000003u, 0).ecx == uint32_t(d.hv->config().cpu_hz / 1000));
  CHECK(pv_cpuid(*d.hv, 0x40000006u, 0).eax == 0);   // past Xen's leaves
  const CpuidResult native = cpuid(1, 0), pv = pv_cpuid(*d.hv, 1, 0);
  CHECK((pv.ecx >> 31) == 1);
  CHECK((native.ecx >> 31) == 0);
  for (uint32_t hidden : {cpuid1::VME, cpuid1::PSE, cpuid1::PGE, cpuid1::PSE36, cpuid1::APIC, cpuid1::MTRR})
    CHECK((pv.edx & hidden) == 0);
  for (uint32_t kept : {cpuid1::TSC, cpuid1::PAE, cpuid1::CX8, cpuid1::SEP, cpuid1::CMOV, cpuid1::MSR})
    CHECK((pv.edx & kept) == (native.edx & kept));
  CHECK((pv_cpuid(*d.hv, 0x80000001u, 0).edx & cpuid81::NX) != 0);
  const uint32_t max_basic = cpuid(0, 0).eax;
  const CpuidResult past = pv_cpuid(*d.hv, max_basic + 1, 0);
  CHECK((past.eax | past.ebx | past.ecx | past.edx) == 0);
}

TEST_CASE("traps: handler selectors") {
  std::string why;
  uint16_t s = 0xe018;
  CHECK(fix_handler_selector(s, why));
  CHECK(s == kSelRing1Code);
  s = 0x0010;
  CHECK(fix_handler_selector(s, why));
  CHECK(s == 0x0011);
  s = 0x000c;   // an LDT selector
  CHECK(fix_handler_selector(s, why));
  for (uint16_t bad : {uint16_t(0), uint16_t(kSelHvCode), uint16_t(kSelRing3Code), uint16_t(kSelRing1Data),
                       uint16_t(0x0013), uint16_t(0x0002)}) {
    s = bad;
    why.clear();
    CHECK_MESSAGE(!fix_handler_selector(s, why), bad);
    CHECK(!why.empty());
  }
  CHECK(vector_has_error(8));
  CHECK(vector_has_error(14));
  CHECK(vector_has_error(17));
  CHECK(!vector_has_error(9));
  CHECK(!vector_has_error(16));
  CHECK(!vector_has_error(3));
}

TEST_CASE("traps: a #PF bounced from ring 1") {
  TrapDomain d;
  Cpu& c = d.cpu();
  d.route(14, 0, true);
  set_vcpu_upcall_mask(*d.hv, d.vcpu(), 0);
  c.s.eip = kSpin;
  c.s.cr2 = 0x1234;
  const uint32_t flags = c.flags();
  REQUIRE(deliver_guest_event(*d.hv, d.vcpu(), {EventKind::Fault, 14, true, 6, 0}));
  CHECK(c.s.r[ESP] == kStack - 16);
  CHECK(d.peek(kStack - 16) == 6);                         // error code
  CHECK(d.peek(kStack - 12) == kSpin);                     // EIP
  CHECK(d.peek(kStack - 8) == kSelRing1Code);              // CS, saved mask 0
  CHECK(d.peek(kStack - 4) == ((flags & ~fl::IOPL) | fl::IF));
  CHECK(c.s.eip == kHandler);
  CHECK(vcpu_upcall_mask(*d.hv, d.vcpu()) == 1);           // the entry's flag masked events
  CHECK(d.vcpu().guest_cr2 == 0x1234);
  uint32_t cr2 = 0;
  read_machine(*d.hv, d.vcpu().vcpu_info_maddr + offsetof(vcpu_info_x86_32_t, arch.cr2), &cr2, 4);
  CHECK(cr2 == 0x1234);

  // A second bounce while masked: the saved mask is 1 and the frame's IF is clear; an entry
  // without the flag leaves the mask alone.
  d.route(6, 0, false);
  REQUIRE(deliver_guest_event(*d.hv, d.vcpu(), {EventKind::Fault, 6, false, 0, 0}));
  CHECK(c.s.r[ESP] == kStack - 16 - 12);
  CHECK(d.peek(kStack - 28) == kHandler);
  CHECK(d.peek(kStack - 24) == (kSelRing1Code | (1u << 16)));
  CHECK((d.peek(kStack - 20) & fl::IF) == 0);
  CHECK(vcpu_upcall_mask(*d.hv, d.vcpu()) == 1);
}

TEST_CASE("traps: INT n and the entry's DPL") {
  TrapDomain d;
  Cpu& c = d.cpu();
  d.route(13, 0, false);
  d.route(0x80, 3, false);
  d.route(0x81, 1, false);
  REQUIRE(d.call(__HYPERVISOR_stack_switch, kSelRing1Data, kKernelStack) == 0);
  d.enter_ring3(kSpin, kUserStack);
  // int $0x80 from ring 3 (DPL 3): the frame on the kernel stack with the user's SS:ESP.
  REQUIRE(deliver_guest_event(*d.hv, d.vcpu(), {EventKind::SoftInt, 0x80, false, 0, kSpin + 2}));
  CHECK(c.s.cpl == 1);
  CHECK(c.s.seg[SS].sel == kSelRing1Data);
  CHECK(c.s.r[ESP] == kKernelStack - 20);
  CHECK(d.peek(kKernelStack - 20) == kSpin + 2);
  CHECK((d.peek(kKernelStack - 16) & 0xffff) == kSelRing3Code);
  CHECK(d.peek(kKernelStack - 8) == kUserStack);
  CHECK(d.peek(kKernelStack - 4) == kSelRing3Data);
  // int $0x81 from ring 3 (DPL 1): #GP((0x81 << 3) | 2) at the INT instruction.
  d.enter_ring3(kSpin, kUserStack);
  REQUIRE(deliver_guest_event(*d.hv, d.vcpu(), {EventKind::SoftInt, 0x81, false, 0, kSpin + 2}));
  CHECK(c.s.r[ESP] == kKernelStack - 24);
  CHECK(d.peek(kKernelStack - 24) == ((0x81u << 3) | 2));
  CHECK(d.peek(kKernelStack - 20) == kSpin);
  // From ring 1 the DPL-1 entry is allowed.
  REQUIRE(deliver_guest_event(*d.hv, d.vcpu(), {EventKind::SoftInt, 0x81, false, 0, kSpin + 2}));
  CHECK(d.peek(c.s.r[ESP]) == kSpin + 2);
}

TEST_CASE("traps: a frame that cannot be written crashes the domain") {
  TrapDomain d;
  Cpu& c = d.cpu();
  d.route(6, 0, false);
  c.s.r[ESP] = 0x1000;   // unmapped
  c.s.eip = kSpin;
  CHECK_FALSE(deliver_guest_event(*d.hv, d.vcpu(), {EventKind::Fault, 6, false, 0, 0}));
  CHECK(d.hv->domain().shutdown == ShutdownReason::Crash);
  CHECK(d.hv->domain().crash_reason.find("cannot be written") != std::string::npos);
  CHECK(c.s.eip == kSpin);   // nothing changed
  CHECK(c.s.r[ESP] == 0x1000);
  CHECK(c.s.seg[CS].sel == kSelRing1Code);

  TrapDomain e;
  CHECK_FALSE(deliver_guest_event(*e.hv, e.vcpu(), {EventKind::Fault, 13, true, 0x10, 0}));
  CHECK(e.hv->domain().crash_reason.find("#GP (vector 13, error 0x10)") != std::string::npos);
  CHECK(e.hv->domain().crash_reason.find("no trap-table entry") != std::string::npos);
}

TEST_CASE("traps: HYPERVISOR_iret") {
  TrapDomain d;
  Cpu& c = d.cpu();
  auto push_frame = [&](std::vector<uint32_t> words) {
    c.s.r[ESP] = kStack - uint32_t(words.size()) * 4;
    REQUIRE(copy_to_guest(*d.hv, d.vcpu(), c.s.r[ESP], words.data(), words.size() * 4));
  };
  // Ring 1, IF set: EAX back, the mask cleared, IOPL dropped.
  set_vcpu_upcall_mask(*d.hv, d.vcpu(), 1);
  push_frame({0xaabbccdd, kHandler, kSelRing1Code | (1u << 16), fl::IF | fl::IOPL | fl::CF | 2});
  bool handled = false;
  d.hv->dispatch_hypercall(d.vcpu(), __HYPERVISOR_iret, {}, handled);
  CHECK(handled);
  CHECK(c.s.r[EAX] == 0xaabbccdd);
  CHECK(c.s.eip == kHandler);
  CHECK(c.s.r[ESP] == kStack);
  CHECK((c.flags() & fl::IOPL) == 0);
  CHECK((c.flags() & fl::CF) != 0);
  CHECK(vcpu_upcall_mask(*d.hv, d.vcpu()) == 0);
  // To ring 3: SS:ESP popped, the ring-1 data segments dropped, IF clear masks events.
  push_frame({1, kSpin, kSelRing3Code, 2, kUserStack, kSelRing3Data});
  d.hv->dispatch_hypercall(d.vcpu(), __HYPERVISOR_iret, {}, handled);
  CHECK(c.s.cpl == 3);
  CHECK(c.s.seg[SS].sel == kSelRing3Data);
  CHECK(c.s.r[ESP] == kUserStack);
  CHECK((c.s.seg[DS].sel & 0xfffc) == 0);
  CHECK((c.flags() & fl::IF) != 0);   // the real IF stays set
  CHECK(vcpu_upcall_mask(*d.hv, d.vcpu()) == 1);

  // A bad CS with a failsafe callback: the failsafe frame (DS..GS first).
  TrapDomain f;
  Cpu& fc = f.cpu();
  REQUIRE(f.call(__HYPERVISOR_set_callbacks, kSelRing1Code, kSpin, kSelRing1Code, kHandler) == 0);
  fc.s.r[ESP] = kStack - 16;
  const uint32_t frame[4] = {0, 0x1234, 0x0009 /* empty GDT entry, RPL 1 */, fl::IF | 2};
  REQUIRE(copy_to_guest(*f.hv, f.vcpu(), fc.s.r[ESP], frame, sizeof frame));
  f.hv->dispatch_hypercall(f.vcpu(), __HYPERVISOR_iret, {}, handled);
  CHECK(f.hv->domain().shutdown == ShutdownReason::None);
  CHECK(fc.s.eip == kHandler);
  CHECK(fc.s.r[ESP] == kStack - 28);             // below the popped frame: DS ES FS GS EIP CS EFLAGS
  CHECK(f.peek(kStack - 28) == kSelRing1Data);   // DS
  CHECK(f.peek(kStack - 12) == 0x1234);          // EIP
  CHECK((f.peek(kStack - 8) & 0xffff) == 0x0009);
  CHECK((fc.s.seg[DS].sel & 0xfffc) == 0);

  // Without one, and to ring 0: the domain is crashed.
  TrapDomain g;
  g.cpu().s.r[ESP] = kStack - 16;
  const uint32_t ring0[4] = {0, kSpin, kSelHvCode, 2};
  REQUIRE(copy_to_guest(*g.hv, g.vcpu(), kStack - 16, ring0, sizeof ring0));
  g.hv->dispatch_hypercall(g.vcpu(), __HYPERVISOR_iret, {}, handled);
  CHECK(g.hv->domain().shutdown == ShutdownReason::Crash);
  CHECK(g.hv->domain().crash_reason.find("ring 0") != std::string::npos);
}

TEST_CASE("traps: debug-register rules") {
  TrapDomain d;
  Vcpu& v = d.vcpu();
  std::string why;
  CHECK(set_guest_debugreg(v, 0, kHypervisorStart - 4, why) == 0);
  CHECK(d.cpu().s.dr[0] == kHypervisorStart - 4);
  CHECK(set_guest_debugreg(v, 0, kHypervisorStart - 3, why) == -XEN_EPERM);
  CHECK(set_guest_debugreg(v, 7, 1u << 13, why) == -XEN_EPERM);
  CHECK(set_guest_debugreg(v, 7, 0x00020001, why) == -XEN_EPERM);   // I/O breakpoint, no DE
  CHECK(set_guest_debugreg(v, 5, 0, why) == -XEN_EINVAL);
  CHECK(set_guest_debugreg(v, 6, 0, why) == 0);
  uint32_t value = 0;
  CHECK(get_guest_debugreg(v, 6, value));
  CHECK(value == 0xffff0ff0u);
  CHECK(set_guest_debugreg(v, 7, 0x000d0001, why) == 0);
  CHECK(d.cpu().debug_armed());
  CHECK(get_guest_debugreg(v, 7, value));
  CHECK(value == 0x000d0401u);
  CHECK_FALSE(get_guest_debugreg(v, 4, value));
}

TEST_CASE("traps: privileged instructions run by the CPU") {
  TrapDomain d;
  Cpu& c = d.cpu();
  d.route(13, 0, false);
  c.s.eip = kPriv;
  REQUIRE(d.call(__HYPERVISOR_fpu_taskswitch, 1) == 0);
  CHECK((c.s.cr0 & cr0::TS) != 0);
  d.hv->run(6);
  // mov eax, cr3: the 32-bit CR3 encoding of the L3's frame.
  const uint32_t mfn = d.vcpu().cr3_mfn;
  CHECK(c.s.r[EAX] == ((mfn << 12) | (mfn >> 20)));
  CHECK((c.s.cr0 & cr0::TS) == 0);   // clts
  CHECK(!d.vcpu().guest_ts);
  // in al, 0x60 at virtual IOPL 0: #GP(0) bounced at the IN.
  CHECK(c.s.eip == kHandler);
  CHECK(d.peek(c.s.r[ESP]) == 0);
  CHECK(d.peek(c.s.r[ESP] + 4) == kPriv + 5);
  // At virtual IOPL 1 the rest runs: IN reads all ones, CLI masks events.
  c.s.r[ESP] = kStack;
  c.s.eip = kPriv + 5;
  d.vcpu().iopl = 1;
  set_vcpu_upcall_mask(*d.hv, d.vcpu(), 0);
  c.s.r[EAX] = 0;
  d.hv->run(4);
  CHECK((c.s.r[EAX] & 0xff) == 0xff);
  CHECK(vcpu_upcall_mask(*d.hv, d.vcpu()) == 1);
  CHECK(c.s.r[ECX] == (c.s.cr0 & ~cr0::TS));
  CHECK(c.s.eip == kPriv + sizeof kPrivCode - 2);
}
