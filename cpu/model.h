// The processor pvlab presents to software: what CPUID reports and which model-specific
// registers exist. One place, so the interpreter and the hypervisor (which filters CPUID for
// PV guests) agree on the model.
//
// The model is a P6-family processor: GenuineIntel, family 6, model 3, stepping 3 (signature
// 0x633, a Pentium II "Klamath"; Cpu::reset leaves the same value in EDX), with the features
// pvlab implements: VME, DE, PSE, TSC, MSR, PAE, CX8, SEP, PGE, CMOV, PAT, PSE-36 and NX.
// No MTRRs, no MMX/FXSR/SSE; the x87 FPU bit is reported once pvlab has one.
#pragma once
#include <cstdint>

namespace pvlab {

class Cpu;

namespace cpuid1 {  // CPUID.1:EDX feature bits
constexpr uint32_t FPU = 1u << 0, VME = 1u << 1, DE = 1u << 2, PSE = 1u << 3, TSC = 1u << 4,
                   MSR = 1u << 5, PAE = 1u << 6, MCE = 1u << 7, CX8 = 1u << 8, APIC = 1u << 9,
                   SEP = 1u << 11, MTRR = 1u << 12, PGE = 1u << 13, MCA = 1u << 14,
                   CMOV = 1u << 15, PAT = 1u << 16, PSE36 = 1u << 17, MMX = 1u << 23,
                   FXSR = 1u << 24;
}
namespace cpuid81 {  // CPUID.80000001h:EDX
constexpr uint32_t NX = 1u << 20;
}

// Model-specific register numbers pvlab implements.
namespace msr {
constexpr uint32_t TSC = 0x10, PLATFORM_ID = 0x17, APIC_BASE = 0x1b, BIOS_SIGN_ID = 0x8b,
                   PERFCTR0 = 0xc1, PERFCTR1 = 0xc2, MTRRCAP = 0xfe, SYSENTER_CS = 0x174,
                   SYSENTER_ESP = 0x175, SYSENTER_EIP = 0x176, EVNTSEL0 = 0x186,
                   EVNTSEL1 = 0x187, MISC_ENABLE = 0x1a0, PAT = 0x277, MTRR_DEF_TYPE = 0x2ff,
                   EFER = 0xc0000080;
}

constexpr uint32_t kCpuSignature = 0x633;       // family 6, model 3, stepping 3
constexpr uint32_t kMicrocodeRevision = 0x33;   // reported through IA32_BIOS_SIGN_ID
constexpr uint32_t kFeatures1Edx = cpuid1::VME | cpuid1::DE | cpuid1::PSE | cpuid1::TSC |
                                   cpuid1::MSR | cpuid1::PAE | cpuid1::CX8 | cpuid1::SEP |
                                   cpuid1::PGE | cpuid1::CMOV | cpuid1::PAT | cpuid1::PSE36 |
                                   cpuid1::APIC;
constexpr uint32_t kFeatures81Edx = cpuid81::NX;

struct CpuidResult {
  uint32_t eax = 0, ebx = 0, ecx = 0, edx = 0;
};

// What CPUID reports for a leaf (EAX) and sub-leaf (ECX). Pure: no machine state involved.
CpuidResult cpuid(uint32_t leaf, uint32_t subleaf);

// RDMSR / WRMSR on the model's registers. Return false when the instruction must raise
// #GP(0) (unknown register, read-only register, reserved bits); nothing is raised here.
bool read_msr(Cpu& cpu, uint32_t index, uint64_t& value);
bool write_msr(Cpu& cpu, uint32_t index, uint64_t value);

// The time-stamp counter: the cycle counter plus the offset WRMSR to IA32_TSC sets.
uint64_t read_tsc(const Cpu& cpu);

}  // namespace pvlab
