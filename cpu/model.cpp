// CPUID leaves and model-specific registers of the processor model (see model.h).
#include "cpu/model.h"

#include <cstring>

#include "cpu/cpu.h"

namespace pvlab {

namespace {

constexpr uint32_t kMaxBasicLeaf = 2;
constexpr uint32_t kMaxExtLeaf = 0x80000004;

// Four ASCII characters as CPUID returns them in a register (first character lowest).
constexpr uint32_t chars4(const char* s) {
  return uint32_t(uint8_t(s[0])) | uint32_t(uint8_t(s[1])) << 8 | uint32_t(uint8_t(s[2])) << 16 |
         uint32_t(uint8_t(s[3])) << 24;
}

// Leaves 80000002h-80000004h: 48 bytes of brand string, NUL padded.
constexpr char kBrand[49] = "pvlab P6 family processor";

CpuidResult brand_leaf(unsigned part) {
  uint32_t w[4];
  std::memcpy(w, kBrand + 16 * part, 16);
  return {w[0], w[1], w[2], w[3]};
}

CpuidResult basic_leaf(uint32_t leaf) {
  switch (leaf) {
    case 0: return {kMaxBasicLeaf, chars4("Genu"), chars4("ntel"), chars4("ineI")};
    case 1: return {kCpuSignature, 0, 0, kFeatures1Edx};
    default:
      // Leaf 2: cache and TLB descriptors of a Pentium II (one iteration; 32-entry 4K I-TLB,
      // 4M I-TLB, 64-entry 4K D-TLB, 4M D-TLB, 16K L1 I, 16K L1 D, 512K unified L2).
      return {0x03020101, 0, 0, 0x0c040843};
  }
}

// P6 IA32_PAT and IA32_MTRR_DEF_TYPE memory types: UC, WC, WT, WP, WB (and UC- in the PAT).
bool valid_pat_type(uint64_t t) { return t == 0 || t == 1 || t == 4 || t == 5 || t == 6 || t == 7; }

}  // namespace

CpuidResult cpuid(uint32_t leaf, uint32_t /*subleaf*/) {
  if (leaf >= 0x80000000u) {
    // Beyond the highest extended leaf Intel processors answer with the highest basic leaf.
    if (leaf > kMaxExtLeaf) return basic_leaf(kMaxBasicLeaf);
    switch (leaf) {
      case 0x80000000u: return {kMaxExtLeaf, 0, 0, 0};
      case 0x80000001u: return {0, 0, 0, kFeatures81Edx};
      default: return brand_leaf(leaf - 0x80000002u);
    }
  }
  return basic_leaf(leaf > kMaxBasicLeaf ? kMaxBasicLeaf : leaf);
}

uint64_t read_tsc(const Cpu& cpu) { return cpu.s.cycles + uint64_t(cpu.s.msr.tsc_offset); }

bool read_msr(Cpu& cpu, uint32_t index, uint64_t& v) {
  const Msrs& m = cpu.s.msr;
  switch (index) {
    case msr::TSC: v = read_tsc(cpu); return true;
    case msr::PLATFORM_ID: v = 0; return true;
    case msr::APIC_BASE: v = m.apic_base; return true;
    case msr::BIOS_SIGN_ID: v = m.bios_sign_id; return true;
    case msr::PERFCTR0:
    case msr::PERFCTR1: v = m.perfctr[index - msr::PERFCTR0]; return true;
    case msr::MTRRCAP: v = 0; return true;  // no variable or fixed ranges, no WC
    case msr::SYSENTER_CS: v = m.sysenter_cs; return true;
    case msr::SYSENTER_ESP: v = m.sysenter_esp; return true;
    case msr::SYSENTER_EIP: v = m.sysenter_eip; return true;
    case msr::EVNTSEL0:
    case msr::EVNTSEL1: v = m.evntsel[index - msr::EVNTSEL0]; return true;
    case msr::MISC_ENABLE: v = m.misc_enable; return true;
    case msr::PAT: v = m.pat; return true;
    case msr::MTRR_DEF_TYPE: v = m.mtrr_def_type; return true;
    case msr::EFER: v = m.efer; return true;
    default: return false;
  }
}

bool write_msr(Cpu& cpu, uint32_t index, uint64_t v) {
  Msrs& m = cpu.s.msr;
  switch (index) {
    case msr::TSC:
      // P6: only the low 32 bits are written; the high half becomes zero.
      m.tsc_offset = int64_t((v & 0xffffffffu) - cpu.s.cycles);
      return true;
    case msr::APIC_BASE:
      // Base (bits 12-35) and the global enable (bit 11); the BSP flag is read-only.
      if (v & ~0xffffff900ull) return false;
      m.apic_base = (v & 0xffffff800ull) | (m.apic_base & 0x100);
      return true;
    case msr::BIOS_SIGN_ID: m.bios_sign_id = v; return true;
    case msr::PERFCTR0:
    case msr::PERFCTR1: {
      // P6: bits 0-31 are written, bits 32-39 copy bit 31.
      uint64_t lo = v & 0xffffffffu;
      m.perfctr[index - msr::PERFCTR0] = (lo & 0x80000000u) ? (lo | 0xff00000000ull) : lo;
      return true;
    }
    case msr::SYSENTER_CS: m.sysenter_cs = v & 0xffffffffu; return true;
    case msr::SYSENTER_ESP: m.sysenter_esp = v & 0xffffffffu; return true;
    case msr::SYSENTER_EIP: m.sysenter_eip = v & 0xffffffffu; return true;
    case msr::EVNTSEL0:
    case msr::EVNTSEL1:
      if (v >> 32) return false;
      m.evntsel[index - msr::EVNTSEL0] = v;
      return true;
    case msr::MISC_ENABLE: m.misc_enable = v; return true;
    case msr::PAT:
      for (unsigned k = 0; k < 8; ++k)
        if (!valid_pat_type((v >> (8 * k)) & 0xff)) return false;
      m.pat = v;
      return true;
    case msr::MTRR_DEF_TYPE:
      // Type (bits 0-7), fixed-range enable (10) and enable (11); the type must exist.
      if ((v & ~0xcffull) || (v & 0xff) == 7 || !valid_pat_type(v & 0xff)) return false;
      m.mtrr_def_type = v;
      return true;
    case msr::EFER: {
      // Only NXE exists on this model; the walker sees it at once and old translations go.
      if (v & ~efer::NXE) return false;
      const bool changed = (m.efer ^ v) != 0;
      m.efer = v;
      if (changed) {
        cpu.sync_paging();
        cpu.mmu().flush(true);
        cpu.end_block();
      }
      return true;
    }
    default: return false;  // PLATFORM_ID and MTRRCAP are read-only; unknown registers too
  }
}

}  // namespace pvlab
