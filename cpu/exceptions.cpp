// Event delivery: the platform's chance to intercept, the double-fault rules, and real-mode
// delivery through the IVT. Protected-mode delivery through the IDT is in interrupts.cpp.
#include "cpu/cpu.h"

#include <cstdio>

namespace pvlab {

namespace {

constexpr uint64_t kDeliveryCycles = 20;

enum class ExClass { Benign, Contributory, PageFault };

ExClass classify(const Event& e) {
  if (e.kind != EventKind::Fault && e.kind != EventKind::Trap) return ExClass::Benign;
  switch (e.vector) {
    case exc::DE: case exc::TS: case exc::NP: case exc::SS: case exc::GP:
      return ExClass::Contributory;
    case exc::PF: return ExClass::PageFault;
    default: return ExClass::Benign;
  }
}

}  // namespace

bool Cpu::deliver(const Event& first) {
  Event e = first;
  materialize(s);
  if (PVLAB_UNLIKELY(breaks_ != nullptr)) break_on_event(e);
  for (;;) {
    if (platform_->intercept(*this, e)) {
      // Execution continues where the platform left EIP (an instruction that called deliver,
      // such as INT n, does not advance it past itself).
      exit_block_ = true;
      next_eip = s.eip;
      return true;
    }
    has_pending_ = false;
    // Delivery takes time even when no instruction retires, so a guest caught in a loop of
    // faults still reaches cycle limits and device deadlines.
    s.cycles += kDeliveryCycles;
    bool ok = s.mode == CpuMode::Real ? deliver_real(e) : deliver_protected(e);
    exit_block_ = true;
    if (ok) {
      s.halted = 0;
      next_eip = s.eip;
      return true;
    }
    if (!has_pending_) return false;  // delivery stopped the machine itself
    // Delivering `e` raised `f`: serially, as a double fault, or a shutdown.
    Event f = pending_;
    has_pending_ = false;
    f.return_eip = e.return_eip;
    if (e.kind == EventKind::Fault && e.vector == exc::DF) {
      char buf[160];
      std::snprintf(buf, sizeof buf,
                    "exception %u (error %#x) while delivering a double fault", f.vector, f.error);
      triple_reason_ = buf;
      request_stop(StopReason::TripleFault);
      return false;
    }
    ExClass a = classify(e), b = classify(f);
    bool df = (a == ExClass::Contributory && b == ExClass::Contributory) ||
              (a == ExClass::PageFault && b != ExClass::Benign);
    if (df) {
      e = {EventKind::Fault, exc::DF, true, 0, e.return_eip};
    } else {
      e = f;
      if (e.kind == EventKind::Fault) e.return_eip = s.eip;
    }
  }
}

bool Cpu::deliver_real(const Event& e) {
  uint32_t off = uint32_t(e.vector) * 4;
  if (off + 3 > s.idtr.limit) return gp(e.vector * 8 + 2);
  uint32_t vec;
  if (!read_lin(s.idtr.base + off, 4, vec, kRead)) return false;
  uint32_t fl16 = flags() & 0xffff;
  uint32_t ret = (e.kind == EventKind::Fault) ? s.eip : e.return_eip;
  uint32_t sp0 = sp();
  if (!push(fl16, 2) || !push(s.seg[CS].sel, 2) || !push(ret & 0xffff, 2)) {
    set_sp(sp0);
    return false;
  }
  s.eflags &= ~(fl::IF | fl::TF | fl::AC | fl::RF);
  load_seg_real(CS, uint16_t(vec >> 16));
  s.eip = vec & 0xffff;
  return true;
}

}  // namespace pvlab
