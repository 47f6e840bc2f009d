// What the PV hypervisor tells a timing model: each time it is entered (a hypercall, a trap
// or fault it intercepts, an interrupt that becomes an event upcall) and each time it returns
// to the guest. The hypervisor holds one pointer to a hook, null unless `--timing ooo` is in
// use, so with the model off each entry costs one test of a null pointer and nothing is
// done per instruction.
#pragma once
#include <cstdint>

namespace pvlab {

class Cpu;

enum class HvEntry : uint8_t {
  Hypercall,   // int $0x82 from the guest kernel
  Exception,   // a fault, trap or software interrupt the hypervisor intercepted
  Interrupt,   // an interrupt (an event upcall, or the hypervisor's own timer)
};

class HvTimingHook {
 public:
  virtual ~HvTimingHook() = default;
  // The hypervisor was entered on `cpu` (`nr`: the hypercall number for Hypercall).
  virtual void hv_enter(Cpu& cpu, HvEntry kind, uint32_t nr) = 0;
  // It returns to the guest; `bounced`: it built a bounce frame (the guest kernel's handler
  // or event callback runs next).
  virtual void hv_exit(Cpu& cpu, bool bounced) = 0;
  // While in the hypervisor on `cpu`: it checked one page-table entry or descriptor at
  // machine address `maddr` (and stored it, with `write`). Its work grows with these.
  virtual void hv_work(Cpu& cpu, uint64_t maddr, bool write) = 0;
};

}  // namespace pvlab
