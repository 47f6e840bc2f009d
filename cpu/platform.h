// How the CPU reaches the machine around it for privilege-0 events. A bare-metal PC delivers
// everything through the guest's IDT (the default answers below); the PV hypervisor
// intercepts hypercalls, faults and interrupts and bounces them itself. The CPU never knows
// which kind of machine it is in.
#pragma once
#include <cstdint>

namespace pvlab {

class Cpu;

enum class EventKind : uint8_t {
  Fault,      // exception with EIP at the faulting instruction
  Trap,       // exception reported after the instruction (#DB traps, INTO's #OF)
  SoftInt,    // INT n
  Int3,       // INT3 (0xCC)
  HwInt,      // maskable external interrupt
  Nmi,
};

struct Event {
  EventKind kind = EventKind::Fault;
  uint8_t vector = 0;
  bool has_error = false;
  uint32_t error = 0;
  uint32_t return_eip = 0;   // EIP pushed for traps and software interrupts
};

class Platform {
 public:
  virtual ~Platform() = default;
  // Offered every event before the CPU delivers it. Return true when the platform handled it
  // (the CPU then continues at whatever state the platform left).
  virtual bool intercept(Cpu&, const Event&) { return false; }
  // A maskable interrupt is being requested (checked at block boundaries when IF=1).
  virtual bool irq_pending() { return false; }
  // Acknowledge the interrupt and return its vector.
  virtual uint8_t irq_ack() { return 0; }
  // The CPU halted with interrupts enabled. Advance time to the next event (moving the cycle
  // counter) and return true, or return false when nothing will ever wake it.
  virtual bool idle(Cpu&) { return false; }
  // Called at block boundaries when the cycle counter passed the deadline the platform set
  // with Cpu::set_deadline (device timers).
  virtual void deadline(Cpu&) {}
};

}  // namespace pvlab
