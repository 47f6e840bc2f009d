// A debugger's breakpoints, watchpoints and event catches, as the CPU checks them itself.
// They belong to a debugger (frontend/session.h), not to the guest: the guest's own DR0-DR7
// are cpu/debug.cpp's, and the two never see each other.
//
// What each costs, and where it is checked:
//   - instruction breakpoints (linear or physical address): once per block the run loop
//     enters. A block that holds one runs only up to it; the CPU then stops with
//     StopReason::Breakpoint before the instruction, EIP at it. A breakpoint at the
//     instruction a debugger resumes from does not fire (Cpu::skip_breakpoint_at_eip, so
//     "continue" leaves a breakpoint), like EFLAGS.RF for the debug registers.
//   - watchpoints (read / write / access of a linear or physical range): memory then takes
//     the slow path that data debug registers use, and the CPU stops after the instruction
//     that made the access.
//   - event catches (an exception or interrupt vector; a software interrupt with EAX in a
//     set, which is how a PV hypercall number is caught): in Cpu::deliver, for each event.
//     The event is still delivered; the CPU stops before the next instruction.
// With nothing set the CPU holds no DebugBreaks and pays one pointer test per block and
// per event. Change a DebugBreaks only while its CPU is not running, then pass it to
// Cpu::set_debug_breaks again.
#pragma once
#include <bitset>
#include <cstdint>
#include <vector>

#include "mmu/types.h"

namespace pvlab {

namespace watch {
constexpr uint8_t kRead = 1, kWrite = 2, kAccess = kRead | kWrite;
}

struct Watchpoint {
  uint64_t addr = 0;
  uint32_t len = 1;
  uint8_t kind = watch::kWrite;   // watch:: bits that trigger it
  bool phys = false;              // a physical range (else linear)
};

// What stopped the CPU, filled in by the CPU when a watchpoint or catch fires.
struct DebugHit {
  enum class Kind : uint8_t { None, Breakpoint, Watch, Event };
  Kind kind = Kind::None;
  unsigned index = 0;        // Watch: which entry of DebugBreaks::watch
  uint64_t addr = 0;         // Watch: the address of the access (linear, or physical)
  uint8_t access = 0;        // Watch: watch::kRead or kWrite
  uint8_t vector = 0;        // Event: the vector
  uint8_t event_kind = 0;    // Event: an EventKind
  uint32_t error = 0;        // Event: error code (when the event has one)
  bool has_error = false;
  uint32_t eax = 0;          // Event: EAX when it was raised (the hypercall number in PV)
  uint32_t eip = 0;          // Event: EIP when it was raised
};

struct DebugBreaks {
  std::vector<uint32_t> lin;       // instruction breakpoints, linear addresses (sorted)
  std::vector<paddr_t> phys;       // instruction breakpoints, physical addresses (sorted)
  std::vector<Watchpoint> watch;
  std::bitset<256> catch_vector;   // stop after delivering any event with this vector
  // Software interrupts with this vector stop only when EAX is in `catch_eax` (or any EAX
  // when `catch_eax_any`): a hypercall catch. Leave soft_vector at 256 for none.
  unsigned soft_vector = 256;
  std::vector<uint32_t> catch_eax;
  bool catch_eax_any = false;
  DebugHit hit;

  bool empty() const {
    return lin.empty() && phys.empty() && watch.empty() && catch_vector.none() &&
           soft_vector > 255;
  }
};

}  // namespace pvlab
