// What a debugger hears from the hypervisor itself: events that are not CPU events, so the
// CPU's own catches (cpu/breakpoints.h) cannot see them. A Session installs one DebugHooks
// while it catches PV events (frontend/session.h); with none installed the hypervisor pays
// one pointer test per upcall and per refused hypercall, nothing per instruction.
//
// A hook runs inside the hypervisor, on the CPU that caused the event, in the middle of its
// run. It may read the machine and ask that CPU to stop (Cpu::request_stop): the CPU then
// stops before its next instruction.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace pvlab::hyper {

struct Vcpu;

// An event upcall, just delivered: the bounce frame is on the kernel's stack and EIP is at
// the event callback, whose first instruction has not run.
struct UpcallNote {
  unsigned vcpu = 0;
  uint16_t cs = 0;                  // the callback
  uint32_t eip = 0;
  std::vector<uint32_t> ports;      // the ports the callback will find: pending, not masked,
                                    // in a word the vcpu's selector names (lowest first)
};

// A page-table or descriptor update the hypervisor refused.
struct RefusedUpdate {
  unsigned vcpu = 0;
  bool hypercall = true;            // else a writable-page-table store (mm_ptwr.cpp)
  uint32_t nr = 0;                  // the hypercall's number
  int32_t error = 0;                // the negative Xen error number
  uint32_t eip = 0;                 // after the hypercall; at the store that faulted
  std::string what;                 // the hypercall's name, or the entry the store wrote
  std::string reason;               // the validation rule it broke
};

class DebugHooks {
 public:
  virtual ~DebugHooks() = default;
  virtual void upcall(Vcpu& v, const UpcallNote& n) = 0;
  virtual void update_refused(Vcpu& v, const RefusedUpdate& r) = 0;
};

// The hypercalls that change page tables or descriptor tables (mmu_update, mmuext_op,
// update_va_mapping[_otherdomain], set_gdt, update_descriptor).
bool is_update_hypercall(uint32_t nr);

}  // namespace pvlab::hyper
