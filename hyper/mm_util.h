// Small helpers the mm*.cpp files share: reading and writing table entries in machine
// memory, the PAE entry masks pvlab's validation uses, and the wording of refusals.
#pragma once
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>

#include "hyper/guest_access.h"
#include "hyper/hypervisor.h"
#include "hyper/layout.h"

namespace pvlab::hyper::mmu {

// The frame number an entry names: address bits 12..51. Bits 36..51 are beyond any machine
// frame, so an entry using them names a frame that does not exist.
inline uint64_t entry_frame(uint64_t e) { return (e & 0x000ffffffffff000ull) >> kPageShift; }

// Bits 52..62: reserved in PAE paging (Xen's BASE_DISALLOW_MASK covers them too).
constexpr uint64_t kHighReserved = 0x7ff0000000000000ull;
// L1: no PAT (bit 7) and no cache attributes for a domain without I/O rights (Xen's
// l1_disallow_mask); global, NX, the available bits and A/D are the guest's.
constexpr uint64_t kL1Disallow = pte::PWT | pte::PCD | pte::PS | kHighReserved;
// L2: no cache attributes, no global bit; PS (a superpage) has its own refusal.
constexpr uint64_t kL2Disallow = pte::PWT | pte::PCD | pte::G | kHighReserved;
// L3 (a PDPTE): no PS, no global bit, no NX or high bits (what Xen's COMPAT_L3_DISALLOW_MASK
// refuses a 32-bit guest beyond PWT/PCD, which pvlab allows as a PAE PDPTE does).
constexpr uint64_t kL3Disallow = pte::PS | pte::G | kHighReserved | pte::NX;
// RW, US, A and D a 32-bit guest of Xen may set in an L3 entry (Xen sets RW and US itself, as
// its L3s are long-mode entries); a PAE PDPTE must have them clear, so pvlab clears them
// when it validates the entry, which the guest can only change through the hypervisor.
constexpr uint64_t kL3Cleared = pte::RW | pte::US | pte::A | pte::D;
// Changes in these bits alone, with the same frame, need no new references (Xen's
// FASTPATH_FLAG_WHITELIST).
constexpr uint64_t kFastPathBits = pte::NX | pte::AVAIL | pte::G | pte::D | pte::A | pte::US;

inline uint64_t read_entry(Hypervisor& hv, uint32_t mfn, unsigned i) {
  uint64_t e;
  std::memcpy(&e, hv.frame_ptr(mfn) + i * 8, 8);
  return e;
}
inline void write_entry(Hypervisor& hv, uint32_t mfn, unsigned i, uint64_t e) {
  write_machine(hv, (uint64_t(mfn) << kPageShift) + i * 8, &e, 8);
}

inline std::string hex(uint64_t v) {
  char b[24];
  std::snprintf(b, sizeof b, "%#llx", (unsigned long long)v);
  return b;
}
inline std::string frame(uint64_t mfn) { return "mfn " + hex(mfn); }
// "L2 mfn 0x1234 entry 5"
inline std::string where(const char* level, uint32_t mfn, unsigned i) {
  return std::string(level) + " " + frame(mfn) + " entry " + std::to_string(i);
}

}  // namespace pvlab::hyper::mmu
