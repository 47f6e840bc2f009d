// Virtual traps: exceptions and interrupts bounced to the guest kernel through its virtual
// trap table with Xen's frame, event upcalls, and the emulation of privileged instructions
// a ring-1 kernel may use.
//
//   traps.cpp       the bounce frame and deliver_guest_event (which event goes where)
//   traps_seg.cpp   segment loads the hypervisor does for the guest (bounce, iret)
//   emulate*.cpp    privileged instructions, CPUID and MSRs (emulate.h)
//   hc_traps.cpp    set_trap_table, stack_switch, set_callbacks, callback_op, iret,
//                   fpu_taskswitch, set/get_debugreg, physdev_op
//   multicall.cpp   multicall
#pragma once
#include <cstdint>
#include <string>

#include "cpu/platform.h"

namespace pvlab {
class Cpu;
}

namespace pvlab::hyper {

class Hypervisor;
struct Vcpu;

// Deliver an event the CPU raised while the guest ran (everything but a ring-1 hypercall).
// Returns false when it cannot be delivered (the domain has then been crashed with the
// reason, or the caller crashes it).
bool deliver_guest_event(Hypervisor& hv, Vcpu& v, const Event& e);

// The multicall hypercall (multicall.cpp); register_trap_hypercalls adds it.
class HypercallTable;
void register_multicall_hypercall(HypercallTable& t);

// ---- bounce frames ---------------------------------------------------------------------------
// What a bounce needs besides the vcpu's state: Xen's trap_bounce.
struct Bounce {
  uint16_t cs = 0;             // the handler
  uint32_t eip = 0;
  uint32_t ret_eip = 0;        // the EIP saved in the frame
  bool has_error = false;      // push an error code (vectors 8, 10-14, 17)
  uint32_t error = 0;
  bool mask_events = false;    // set evtchn_upcall_mask on entry (trap flag bit 2, callbacks)
  bool failsafe = false;       // also push DS, ES, FS, GS (the failsafe callback's frame)
  bool null_eip_esp = false;   // save EIP and ESP as 0 (the sysenter callback's frame)
};

// Build the frame on the guest kernel's stack and enter the handler in ring 1:
//   from ring 2/3 (CS bit 1 set) the stack is stack_switch's kernel_ss:kernel_sp, and the
//   frame starts with the interrupted SS and ESP; from ring 1 it is the current stack.
//   Then, going down: EFLAGS (IF = the upcall mask before the bounce, inverted; IOPL 0),
//   CS with that saved mask in bits 16-23, EIP, the error code if any, and for the
//   failsafe callback DS, ES, FS, GS.
// The handler runs with TF, NT, RF and VM clear. False with `why` when the frame cannot be
// written or a selector is not usable; nothing has changed then.
bool bounce_to_guest(Hypervisor& hv, Vcpu& v, const Bounce& b, std::string& why);

// The event callback (and the NMI callback): a bounce with events masked. False when the
// frame could not be built (the caller crashes the domain).
bool bounce_to_callback(Hypervisor& hv, Vcpu& v, uint16_t cs, uint32_t eip);

// Bounce exception `vector` through the virtual trap table, as if the CPU had raised it at
// `ret_eip` (emulation faults, refused software interrupts). Crashes the domain (and returns
// false) when the vector has no entry or the frame cannot be written.
bool inject_exception(Hypervisor& hv, Vcpu& v, uint8_t vector, bool has_error, uint32_t error,
                      uint32_t ret_eip);

// Whether the CPU pushes an error code for this exception vector.
constexpr bool vector_has_error(unsigned vec) {
  return vec == 8 || (vec >= 10 && vec <= 14) || vec == 17;
}

// ---- the vcpu's virtual control state, shared by the hypercalls and the emulator -----------
// The guest's CR2: kept per vcpu and in vcpu_info.arch.cr2.
void set_guest_cr2(Hypervisor& hv, Vcpu& v, uint32_t cr2);
// fpu_taskswitch / CLTS / MOV to CR0: the virtual CR0.TS, mirrored in the real CR0.TS so the
// next FPU instruction raises #NM.
void set_guest_ts(Vcpu& v, bool set);
// The guest's CR0 and CR4 as it reads them (TS virtual; CR4 the bits Xen shows a PV guest).
uint32_t guest_cr0(const Vcpu& v);
uint32_t guest_cr4(const Vcpu& v);
// HYPERVISOR_set_debugreg's rules (also MOV to DRn): DR0-3 below the hypervisor area, DR6
// and DR7 with their reserved bits forced, DR7.GD refused, I/O breakpoints only with
// CR4.DE. Applied to the real debug registers. 0 or a negative Xen error with `why`.
int32_t set_guest_debugreg(Vcpu& v, unsigned reg, uint32_t value, std::string& why);
// HYPERVISOR_get_debugreg: false for a register that does not exist.
bool get_guest_debugreg(const Vcpu& v, unsigned reg, uint32_t& value);

// ---- segments (traps_seg.cpp) ----------------------------------------------------------------
// A descriptor of the vcpu's GDT or LDT, read without raising anything. False when the
// selector is null, beyond the table, or its page is not mapped.
bool guest_descriptor(Cpu& c, uint16_t sel, uint64_t& desc);
// Load CS with `sel` (a present code segment its RPL may run in) and make the RPL the CPL.
bool load_guest_code(Cpu& c, uint16_t sel, std::string& why);
// Load SS with `sel` (a present writable data segment with RPL = DPL = the current CPL).
bool load_guest_stack(Cpu& c, uint16_t sel, std::string& why);
// After a return to an outer ring: DS, ES, FS and GS that the new CPL may not use become
// null, as IRET does.
void drop_inner_data_segments(Cpu& c);
// The selector rules for handlers the guest registers (trap table, callbacks): RPL 0 is
// taken as RPL 1 (as Xen fixes it up); then it must be RPL 1, not null, and either the
// guest's own GDT/LDT entry or the reserved FLAT_RING1_CS. False with `why` otherwise.
bool fix_handler_selector(uint16_t& sel, std::string& why);

}  // namespace pvlab::hyper
