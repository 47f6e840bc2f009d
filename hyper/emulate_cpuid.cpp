// CPUID for PV guests. A plain CPUID is not privileged: it runs natively and reports the
// processor model as it is. A PV kernel that wants the hypervisor's view uses Xen's
// forced-emulation prefix, `ud2; .ascii "xen"; cpuid` (0F 0B 78 65 6E 0F A2): the UD2 faults,
// the hypervisor recognises the signature and answers with the PV policy below. This works
// before the guest has registered any trap table, which is when kernels use it.
//
// The policy (Xen's for 32-bit PV guests, applied to pvlab's processor model):
//  - leaf 1 EDX hides what a PV kernel cannot use or must leave to the hypervisor: VME,
//    PSE, PGE, PSE-36, MTRR, MCE, MCA, the local APIC (a PV machine has none), DS, ACPI
//    (thermal), PBE; ECX hides DTES64, MONITOR/MWAIT, DS-CPL, VMX, SMX, EST, TM2, CX16,
//    xTPR, PDCM, PCID, DCA, x2APIC, TSC-deadline, and sets the hypervisor bit (31).
//  - leaf 0x80000001 hides SYSCALL, long mode, RDTSCP, SVM and the rest of the 64-bit
//    and AMD virtualisation features; NX stays (PAE guests may use it).
//  - leaves past the highest basic or extended leaf report zeros, as Xen answers.
//  - 0x40000000-0x40000005: Xen's leaves ("XenVMMXenVMM", the version, the hypercall page
//    MSR, the TSC, HVM and PV parameters).
#include <cstring>

#include "cpu/cpu.h"
#include "hyper/emulate.h"
#include "hyper/hypervisor.h"
#include "hyper/time.h"
#include "hyper/traps.h"

namespace pvlab::hyper {

namespace {

namespace leaf1 {
constexpr uint32_t kHideEdx = cpuid1::VME | cpuid1::PSE | cpuid1::MCE | cpuid1::APIC | cpuid1::MTRR |
                              cpuid1::PGE | cpuid1::MCA | cpuid1::PSE36 | (1u << 21) /* DS */ |
                              (1u << 22) /* ACPI */ | (1u << 29) /* TM */ | (1u << 31) /* PBE */;
constexpr uint32_t kHideEcx = (1u << 2) /* DTES64 */ | (1u << 3) /* MONITOR */ | (1u << 4) /* DS-CPL */ |
                              (1u << 5) /* VMX */ | (1u << 6) /* SMX */ | (1u << 7) /* EST */ |
                              (1u << 8) /* TM2 */ | (1u << 13) /* CX16 */ | (1u << 14) /* xTPR */ |
                              (1u << 15) /* PDCM */ | (1u << 17) /* PCID */ | (1u << 18) /* DCA */ |
                              (1u << 21) /* x2APIC */ | (1u << 24) /* TSC deadline */;
constexpr uint32_t kHypervisor = 1u << 31;
}  // namespace leaf1

namespace leaf81 {
constexpr uint32_t kHideEdx = (1u << 11) /* SYSCALL */ | (1u << 19) /* MP */ | (1u << 25) /* FFXSR */ |
                              (1u << 26) /* 1 GiB pages */ | (1u << 27) /* RDTSCP */ | (1u << 29) /* LM */;
constexpr uint32_t kHideEcx = (1u << 1) /* CMP legacy */ | (1u << 2) /* SVM */ | (1u << 3) /* ext APIC */ |
                              (1u << 4) /* CR8 legacy */ | (1u << 9) /* OSVW */ | (1u << 10) /* IBS */ |
                              (1u << 12) /* SKINIT */ | (1u << 13) /* WDT */ | (1u << 15) /* LWP */ |
                              (1u << 19) /* NODEID */;
}  // namespace leaf81

constexpr uint32_t kXenLeafBase = 0x40000000;
constexpr uint32_t kXenLeafCount = 6;   // 0x40000000 .. +5 (XEN_CPUID_MAX_NUM_LEAVES)
constexpr uint32_t kMachineAddressBits = 36;   // PAE

CpuidResult xen_leaf(Hypervisor& hv, uint32_t n, uint32_t subleaf) {
  const uint64_t hz = hv.config().cpu_hz;
  switch (n) {
    case 0: return {kXenLeafBase + kXenLeafCount - 1, XEN_CPUID_SIGNATURE_EBX, XEN_CPUID_SIGNATURE_ECX,
                     XEN_CPUID_SIGNATURE_EDX};
    case 1: return {kXenVersionMajor << 16 | kXenVersionMinor, 0, 0, 0};
    case 2: return {1, kHypercallPageMsr, 0, 0};   // one hypercall page, its MSR
    case 3:   // time: a TSC that never changes rate (bit 1), the default TSC mode
      switch (subleaf) {
        case 0: return {1u << 1, 0, uint32_t(hz / 1000), 0};
        case 1: {
          const TimeScale s = time_scale(hz);
          return {0, 0, s.mul, uint32_t(int32_t(s.shift))};
        }
        case 2: return {uint32_t(hz / 1000), 0, 0, 0};
        default: return {};
      }
    case 5: return subleaf == 0 ? CpuidResult{0, kMachineAddressBits, 0, 0} : CpuidResult{};
    default: return {};   // leaf 4 is HVM's
  }
}

}  // namespace

CpuidResult pv_cpuid(Hypervisor& hv, uint32_t leaf, uint32_t subleaf) {
  if (leaf >= kXenLeafBase && leaf < kXenLeafBase + 0x100) {
    if (leaf - kXenLeafBase >= kXenLeafCount) return {};
    return xen_leaf(hv, leaf - kXenLeafBase, subleaf);
  }
  const uint32_t max_basic = cpuid(0, 0).eax, max_ext = cpuid(0x80000000u, 0).eax;
  if (leaf < 0x80000000u ? leaf > max_basic : leaf > max_ext) return {};
  CpuidResult r = cpuid(leaf, subleaf);
  if (leaf == 1) {
    r.edx &= ~leaf1::kHideEdx;
    r.ecx = (r.ecx & ~leaf1::kHideEcx) | leaf1::kHypervisor;
  } else if (leaf == 0x80000001u) {
    r.edx &= ~leaf81::kHideEdx;
    r.ecx &= ~leaf81::kHideEcx;
  }
  return r;
}

bool emulate_forced_invalid_op(Hypervisor& hv, Vcpu& v) {
  constexpr uint8_t kCpuid[2] = {0x0f, 0xa2};
  uint8_t bytes[sizeof kForcedEmulationPrefix + sizeof kCpuid];
  if (fetch_guest_code(hv, v, bytes, sizeof bytes) != sizeof bytes) return false;
  if (std::memcmp(bytes, kForcedEmulationPrefix, sizeof kForcedEmulationPrefix) != 0 ||
      std::memcmp(bytes + sizeof kForcedEmulationPrefix, kCpuid, sizeof kCpuid) != 0)
    return false;
  Cpu& c = *v.cpu;
  const CpuidResult r = pv_cpuid(hv, c.s.r[EAX], c.s.r[ECX]);
  c.s.r[EAX] = r.eax;
  c.s.r[EBX] = r.ebx;
  c.s.r[ECX] = r.ecx;
  c.s.r[EDX] = r.edx;
  c.s.eip += sizeof bytes;
  if (!c.code32()) c.s.eip &= 0xffff;
  c.set_flags(0, fl::RF);
  return true;
}

}  // namespace pvlab::hyper
