// The guest-visible layout of a 32-bit PAE PV domain: where the hypervisor lives in every
// address space, the reserved GDT entries, and pvlab's own use of the hypervisor area.
//
// Figures that are part of the Xen ABI come from libxen-dev's headers (through xen_abi.h);
// the placement of pvlab's per-vcpu tables inside the hypervisor area is pvlab's choice and
// invisible to guests except through the page tables a debugger shows.
#pragma once
#include <cstdint>

#include "hyper/xen_abi.h"

namespace pvlab::hyper {

constexpr uint32_t kPageSize = 4096;
constexpr unsigned kPageShift = 12;

// libxen-dev's headers describe the 64-bit ABI on this host; foreign/x86_32.h supplies the
// 32-bit structures and ring-1 selectors. The few 32-bit PAE constants it leaves out are
// written here with their names in xen/arch-x86/xen-x86_32.h, and the PV conformance guests
// (compiled against that header) check them against what pvlab does.
//
// The top 168 MiB belong to the hypervisor (__HYPERVISOR_VIRT_START_PAE). Guests never map
// anything from here up.
constexpr uint32_t kHypervisorStart = 0xF5800000;
// The read-only machine-to-physical table (__MACH2PHYS_VIRT_START_PAE .. _END_PAE), readable
// by the guest: its segments reach to its end.
constexpr uint32_t kM2PStart = 0xF5800000;
constexpr uint32_t kM2PEnd = 0xF6800000;
// Guest segments (flat ring 1 / ring 3, and every descriptor a guest installs) end here.
constexpr uint32_t kGuestSegmentEnd = kM2PEnd;

// pvlab's per-vcpu tables, beyond the guest's segment limits:
//   0xF6800000 + v * 0x20000:  the GDT (16 pages: 14 of the guest's, then the reserved page
//                              and a spare), then the LDT (16 pages)
//   0xF6A00000 + v * 0x1000:   the vcpu's TSS
constexpr uint32_t kPerVcpuTablesStart = 0xF6800000;
constexpr uint32_t kPerVcpuTablesStride = 0x20000;
constexpr uint32_t kLdtOffset = 0x10000;
constexpr uint32_t kTssStart = 0xF6A00000;
constexpr unsigned kMaxVcpus = 16;   // one L1 of GDT/LDT mappings covers 16 vcpus

constexpr uint32_t gdt_va(unsigned vcpu) { return kPerVcpuTablesStart + vcpu * kPerVcpuTablesStride; }
constexpr uint32_t ldt_va(unsigned vcpu) { return gdt_va(vcpu) + kLdtOffset; }
constexpr uint32_t tss_va(unsigned vcpu) { return kTssStart + vcpu * kPageSize; }

// GDT: the guest owns entries 0 .. kFirstReservedGdtEntry-1 (14 frames at most); the page
// after them is the hypervisor's.
constexpr unsigned kFirstReservedGdtPage = FIRST_RESERVED_GDT_PAGE;   // 14 (arch-x86/xen.h)
constexpr unsigned kGdtEntriesPerPage = kPageSize / 8;
constexpr unsigned kFirstReservedGdtEntry = kFirstReservedGdtPage * kGdtEntriesPerPage;
constexpr unsigned kMaxGuestGdtFrames = kFirstReservedGdtPage;
constexpr uint16_t kGdtLimit = 0xffff;   // 16 pages, 8192 entries

// Reserved selectors (xen-x86_32.h gives the guest ones).
constexpr uint16_t kSelHvCode = 0xe008;            // ring-0 code (never loaded by guests)
constexpr uint16_t kSelHvData = 0xe010;            // ring-0 data
constexpr uint16_t kSelRing1Code = FLAT_RING1_CS_X86_32;  // 0xe019
constexpr uint16_t kSelRing1Data = FLAT_RING1_DS_X86_32;  // 0xe021
constexpr uint16_t kSelRing3Code = 0xe02b;                // FLAT_RING3_CS (x86_32)
constexpr uint16_t kSelRing3Data = 0xe033;                // FLAT_RING3_DS (x86_32)
constexpr uint16_t kSelTss = 0xe040;               // the vcpu's TSS
constexpr uint16_t kSelLdt = 0xe050;               // the vcpu's LDT (set by MMUEXT_SET_LDT)

// Hypercalls enter through this vector (a DPL 1 gate: ring 3 gets #GP).
constexpr uint8_t kHypercallVector = 0x82;

// PAE page-table geometry.
constexpr unsigned kPaeEntries = 512;
constexpr uint32_t kL2Span = 1u << 21;    // one L2 entry: 2 MiB
constexpr uint32_t kL3Span = 1u << 30;    // one L3 entry: 1 GiB
// The first L2 slot (in L3 slot 3's L2) that belongs to the hypervisor.
constexpr unsigned kFirstHvL2Slot = (kHypervisorStart >> 21) & 511;   // 0x1AC

// PAE entry bits.
namespace pte {
constexpr uint64_t P = 1, RW = 2, US = 4, PWT = 8, PCD = 0x10, A = 0x20, D = 0x40, PS = 0x80,
                   G = 0x100, AVAIL = 0xe00, NX = 1ull << 63;
constexpr uint64_t kAddrMask = 0x0000000ffffff000ull;   // 36-bit physical addresses
inline uint32_t mfn(uint64_t e) { return uint32_t((e & kAddrMask) >> 12); }
}  // namespace pte

}  // namespace pvlab::hyper
