// Emulation of what a PV guest may do that faults on the real processor: privileged
// instructions in ring 1 (the kernel runs at CPL 1 with IOPL 0), port I/O and CLI/STI under
// the virtual IOPL, SYSENTER to the registered callback, and CPUID through Xen's
// forced-emulation prefix. Instructions are decoded by the CPU's decoder (Zydis).
//
//   emulate.cpp        the #GP(0) and #UD entry points, control and debug registers, I/O,
//                      CLI/STI, HLT, the cache and time-stamp instructions
//   emulate_cpuid.cpp  the PV CPUID policy and the forced-emulation prefix
//   emulate_msr.cpp    the PV MSR policy
//   emulate_mem.cpp    guest memory and instruction bytes with the rights of the current CPL
#pragma once
#include <cstdint>
#include <string>

#include "cpu/model.h"

namespace pvlab {
class Cpu;
struct Insn;
}

namespace pvlab::hyper {

class Hypervisor;
struct Vcpu;

// #GP(0) raised by the guest: emulate the instruction at CS:EIP when Xen would. True when
// handled (EIP moved past it, or another exception was bounced instead); false leaves the
// #GP to be bounced to the guest.
bool emulate_gp(Hypervisor& hv, Vcpu& v);
// #UD raised by the guest: `ud2; .ascii "xen"; cpuid` runs CPUID under the PV policy and
// continues after it. Works before any trap table exists. False for any other #UD.
bool emulate_forced_invalid_op(Hypervisor& hv, Vcpu& v);

// Xen's signature of the forced-emulation prefix, followed by the CPUID opcode.
constexpr uint8_t kForcedEmulationPrefix[5] = {0x0f, 0x0b, 'x', 'e', 'n'};

// What CPUID reports to a PV guest through the prefix: the processor model with what PV
// guests must not use hidden, the hypervisor bit set, and Xen's leaves at 0x40000000.
CpuidResult pv_cpuid(Hypervisor& hv, uint32_t leaf, uint32_t subleaf);

// The hypercall-page MSR CPUID leaf 0x40000002 advertises (EAX = 1 page, EBX = this index):
// a WRMSR of a frame's machine address fills that frame as the HYPERCALL_PAGE note's page.
constexpr uint32_t kHypercallPageMsr = 0x40000000;

// RDMSR / WRMSR from the guest kernel under Xen's PV policy. False: #GP(0).
bool pv_rdmsr(Hypervisor& hv, Vcpu& v, uint32_t index, uint64_t& value);
bool pv_wrmsr(Hypervisor& hv, Vcpu& v, uint32_t index, uint64_t value);

// ---- guest memory for the emulator (emulate_mem.cpp) -----------------------------------------
// An exception the guest must see instead of the access.
struct GuestFault {
  uint8_t vector = 0;
  uint32_t error = 0;
  uint32_t cr2 = 0;   // for #PF
};
// Read or write `size` (1, 2, 4) bytes at seg:off with the segment checks and page rights of
// the vcpu's current CPL. False with `f` set when the CPU would have faulted.
bool guest_read(Hypervisor& hv, Vcpu& v, unsigned seg, uint32_t off, unsigned size, uint32_t& value,
                GuestFault& f);
bool guest_write(Hypervisor& hv, Vcpu& v, unsigned seg, uint32_t off, unsigned size, uint32_t value,
                 GuestFault& f);
// Bounce `f` to the guest as raised by the instruction at the current EIP.
void inject_fault(Hypervisor& hv, Vcpu& v, const GuestFault& f);
// Up to `max` instruction bytes at CS:EIP, with fetch rights of the current CPL; stops at the
// first byte that cannot be fetched. Returns how many were read.
unsigned fetch_guest_code(Hypervisor& hv, Vcpu& v, uint8_t* buf, unsigned max);

}  // namespace pvlab::hyper
