// RDMSR / WRMSR from a PV guest kernel: Xen's policy for PV guests on pvlab's processor
// model. A guest sees a few registers; the rest raise #GP(0), as current Xen does for MSRs
// it does not know.
//
//   MSR                    read                          write
//   IA32_TSC (10h)         the time-stamp counter        #GP
//   PLATFORM_ID (17h)      0                             #GP
//   BIOS_SIGN_ID (8Bh)     0 (no microcode revision)     0 accepted, anything else #GP
//   PERFCTR0/1, EVNTSEL0/1 0 (no virtual PMU)            dropped
//   MISC_ENABLE (1A0h)     the model's, with BTS and     the same value accepted; another
//                          PEBS unavailable, no perfmon   is dropped (Xen logs and ignores)
//   PAT (277h)             the real PAT                  the same value accepted; another
//                                                        is dropped
//   EFER (C0000080h)       NXE only (no long mode or     as MISC_ENABLE
//                          SYSCALL for a 32-bit guest)
//   40000000h              #GP                           the hypercall page: the value is
//   (CPUID 40000002h EBX)                                 the machine address of one of the
//                                                         domain's frames (page index 0),
//                                                         filled as the HYPERCALL_PAGE note's;
//                                                         a page table, a frame not the
//                                                         domain's or another index is #GP
//   everything else        #GP                           #GP
// APIC_BASE, the MTRRs and the SYSENTER registers are among "everything else": CPUID hides the
// APIC and MTRRs from PV guests, and SYSENTER goes through CALLBACKTYPE_sysenter.
#include <cstdio>

#include <vector>

#include "cpu/cpu.h"
#include "hyper/builder.h"
#include "hyper/emulate.h"
#include "hyper/guest_access.h"
#include "hyper/hypervisor.h"
#include "hyper/mm.h"

namespace pvlab::hyper {

namespace {

constexpr uint64_t kMiscPerfmon = 1ull << 7, kMiscBtsUnavail = 1ull << 11,
                   kMiscPebsUnavail = 1ull << 12, kMiscMonitor = 1ull << 18;

uint64_t guest_misc_enable(uint64_t real) {
  return (real & ~(kMiscPerfmon | kMiscMonitor)) | kMiscBtsUnavail | kMiscPebsUnavail;
}

// The registers a guest reads but cannot change: their view, and whether `index` is one.
bool fixed_view(const Cpu& c, uint32_t index, uint64_t& value) {
  switch (index) {
    case msr::MISC_ENABLE: value = guest_misc_enable(c.s.msr.misc_enable); return true;
    case msr::PAT: value = c.s.msr.pat; return true;
    case msr::EFER: value = c.s.msr.efer & efer::NXE; return true;
    default: return false;
  }
}

bool is_pmu(uint32_t index) {
  return index == msr::PERFCTR0 || index == msr::PERFCTR1 || index == msr::EVNTSEL0 ||
         index == msr::EVNTSEL1;
}

}  // namespace

bool pv_rdmsr(Hypervisor&, Vcpu& v, uint32_t index, uint64_t& value) {
  const Cpu& c = *v.cpu;
  if (fixed_view(c, index, value)) return true;
  if (is_pmu(index) || index == msr::PLATFORM_ID || index == msr::BIOS_SIGN_ID) {
    value = 0;
    return true;
  }
  if (index == msr::TSC) {
    value = read_tsc(c);
    return true;
  }
  return false;
}

namespace {

// WRMSR to the hypercall-page MSR: a PV guest's frame numbers are machine frames, so the
// value is the page's machine address. The page must be one the domain could map writable.
bool write_hypercall_page(Hypervisor& hv, Vcpu& v, uint64_t value) {
  const uint64_t mfn = value >> kPageShift;
  const unsigned index = unsigned(value & (kPageSize - 1));
  Domain& d = hv.domain();
  std::string why;
  if (index != 0) {
    why = "page index " + std::to_string(index) + " (there is one hypercall page)";
  } else if (!hv.frames().valid(mfn) || hv.frames()[uint32_t(mfn)].owner != d.id) {
    why = "frame " + std::to_string(mfn) + " is not the domain's";
  } else if (mm_get_page_and_type(hv, d, uint32_t(mfn), PageType::Writable, false, why) == 0) {
    std::vector<uint8_t> page(kPageSize);
    fill_hypercall_page(page.data());
    write_machine(hv, mfn << kPageShift, page.data(), kPageSize);
    mm_put_page_and_type(hv, d, uint32_t(mfn));
    return true;
  }
  if (hv.event_log())
    std::fprintf(hv.event_log(), "pvlab: vcpu %u WRMSR hypercall page %#llx refused: %s\n", v.id,
                 (unsigned long long)value, why.c_str());
  return false;
}

}  // namespace

bool pv_wrmsr(Hypervisor& hv, Vcpu& v, uint32_t index, uint64_t value) {
  if (index == kHypercallPageMsr) return write_hypercall_page(hv, v, value);
  const Cpu& c = *v.cpu;
  uint64_t view;
  if (fixed_view(c, index, view)) {
    if (value != view && hv.event_log())
      std::fprintf(hv.event_log(), "pvlab: vcpu %u WRMSR %#x from %#llx to %#llx ignored\n", v.id, index,
                   (unsigned long long)view, (unsigned long long)value);
    return true;
  }
  if (is_pmu(index)) return true;
  if (index == msr::BIOS_SIGN_ID) return value == 0;
  return false;
}

}  // namespace pvlab::hyper
