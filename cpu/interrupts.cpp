// Protected-mode event delivery through the IDT.
#include "cpu/cpu.h"

namespace pvlab {

bool Cpu::deliver_protected(const Event& e) {
  (void)e;
  triple_reason_ = "protected-mode IDT delivery is not written yet";
  request_stop(StopReason::TripleFault);
  return false;
}

}  // namespace pvlab
