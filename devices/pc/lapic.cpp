#include "devices/pc/lapic.h"

namespace pvlab {

using namespace lapic;

namespace {
constexpr uint32_t kEsrSendIllegal = 1u << 5;
constexpr uint32_t kEsrReceiveIllegal = 1u << 6;
// Writable bits of each LVT entry (timer, thermal, perf, LINT0, LINT1, error).
constexpr uint32_t kLvtWritable[kNumLvt] = {0x000700ff, 0x000107ff, 0x000107ff,
                                            0x0001a7ff, 0x0001a7ff, 0x000100ff};
}  // namespace

Lapic::Lapic(DeviceClock& clock, const LapicConfig& cfg) : clock_(clock), cfg_(cfg) {
  if (cfg_.bus_hz == 0) cfg_.bus_hz = LapicConfig::kDefaultBusHz;
  timer_ = clock_.add_timer("lapic.timer", [this](uint64_t when) { on_timer(when); });
  reset();
}

void Lapic::map(Bus& bus) { bus.map_mmio(cfg_.base, 0x1000, this, "local APIC"); }

void Lapic::reset() {
  s_ = LapicState{};
  s_.id = uint32_t(cfg_.id) << 24;
  for (uint32_t& l : s_.lvt) l = kMasked;
  clock_.disarm(timer_);
}

// ---- priorities and delivery -------------------------------------------------------------------

int Lapic::highest(const uint32_t (&bits)[8]) {
  for (int w = 7; w >= 0; --w)
    if (bits[w]) return w * 32 + 31 - __builtin_clz(bits[w]);
  return -1;
}

uint32_t Lapic::ppr() const {
  const int isrv = highest(s_.isr);
  const uint32_t isr_class = isrv < 0 ? 0 : uint32_t(isrv) & 0xf0;
  return (s_.tpr & 0xf0) >= isr_class ? s_.tpr & 0xff : isr_class;
}

bool Lapic::pending() const {
  const int v = highest(s_.irr);
  return v >= 0 && (uint32_t(v) & 0xf0) > (ppr() & 0xf0);
}

uint8_t Lapic::acknowledge() {
  if (!pending()) return uint8_t(s_.svr);   // spurious: nothing goes in service
  const int v = highest(s_.irr);
  s_.irr[v >> 5] &= ~(1u << (v & 31));
  s_.isr[v >> 5] |= 1u << (v & 31);
  return uint8_t(v);
}

bool Lapic::accepts_pic() const {
  if (!enabled()) return true;
  const uint32_t l = s_.lvt[kLint0];
  return !(l & kMasked) && ((l >> 8) & 7) == 7;
}

void Lapic::accept(uint8_t vector, bool level) {
  if (vector < 16) {
    error(kEsrReceiveIllegal);
    return;
  }
  s_.irr[vector >> 5] |= 1u << (vector & 31);
  if (level) s_.tmr[vector >> 5] |= 1u << (vector & 31);
  else s_.tmr[vector >> 5] &= ~(1u << (vector & 31));
}

void Lapic::error(uint32_t bit) {
  const bool first = !(s_.esr_pending & bit);
  s_.esr_pending |= bit;
  const uint32_t l = s_.lvt[kError];
  // An illegal error vector would report itself again; it is dropped instead.
  if (first && !(l & kMasked) && (l & 0xff) >= 16) accept(uint8_t(l));
}

void Lapic::send_ipi() {
  const uint32_t lo = s_.icr_lo;
  const uint8_t vector = uint8_t(lo);
  const unsigned mode = (lo >> 8) & 7;
  const unsigned shorthand = (lo >> 18) & 3;
  const uint8_t dest = uint8_t(s_.icr_hi >> 24);
  bool to_self;
  switch (shorthand) {
    case 1:                                   // self
    case 2: to_self = true; break;            // all including self
    case 3: to_self = false; break;           // all excluding self: nobody else is here
    default:
      if (lo & (1u << 11)) {                  // logical destination
        const uint8_t ldr = uint8_t(s_.ldr >> 24);
        if ((s_.dfr >> 28) == 0xf) to_self = (ldr & dest) != 0;   // flat model
        else to_self = (ldr >> 4) == (dest >> 4) && (ldr & dest & 0x0f) != 0;   // cluster
        if (dest == 0xff) to_self = true;
      } else {
        to_self = dest == 0xff || dest == uint8_t(s_.id >> 24);
      }
      break;
  }
  if (mode != 0 && mode != 1) return;         // NMI, INIT, SIPI, ...: no other processors
  if (vector < 16) {
    error(kEsrSendIllegal);
    return;
  }
  if (to_self) accept(vector, lo & (1u << 15));
}

// ---- the timer ---------------------------------------------------------------------------------

uint64_t Lapic::timer_divider() const {
  const unsigned bits = (s_.divide & 3) | ((s_.divide >> 1) & 4);
  return bits == 7 ? 1 : 2u << bits;
}

uint64_t Lapic::ticks_since_start(uint64_t cycle) const {
  if (cycle <= s_.start) return 0;
  return DeviceClock::muldiv(cycle - s_.start, cfg_.bus_hz, clock_.hz() * timer_divider());
}

uint64_t Lapic::expiry_cycle(uint64_t n) const {
  const uint64_t ticks = s_.first + (n - 1) * uint64_t(s_.initial);
  return s_.start + clock_.cycles_for(ticks * timer_divider(), cfg_.bus_hz);
}

uint32_t Lapic::timer_current() const {
  if (!s_.running) return 0;
  const uint64_t e = ticks_since_start(clock_.now());
  if (e < s_.first) return uint32_t(s_.first - e);
  if (!(s_.lvt[kTimer] & kPeriodic) || s_.initial == 0) return 0;
  return uint32_t(s_.initial - (e - s_.first) % s_.initial);
}

void Lapic::rebase_timer() {
  if (!s_.running) return;
  const uint64_t e = ticks_since_start(clock_.now());
  // A one-shot count that already ran out waits for its expiry to be delivered.
  if (e >= s_.first && !(s_.lvt[kTimer] & kPeriodic)) return;
  const uint32_t cur = timer_current();
  s_.start = clock_.now();
  s_.first = cur ? cur : s_.initial;
  s_.fired = 0;
}

void Lapic::arm_timer() {
  if (s_.running) clock_.arm(timer_, expiry_cycle(s_.fired + 1));
  else clock_.disarm(timer_);
}

void Lapic::on_timer(uint64_t) {
  ++s_.fired;
  const uint32_t l = s_.lvt[kTimer];
  if (!(l & kMasked)) accept(uint8_t(l));
  if ((l & kPeriodic) && s_.initial) arm_timer();
  else s_.running = false;
}

// ---- registers ---------------------------------------------------------------------------------

uint32_t Lapic::read_reg(uint32_t reg) const {
  if (reg >= kIsr && reg < kIsr + 0x80) return s_.isr[(reg - kIsr) >> 4];
  if (reg >= kTmr && reg < kTmr + 0x80) return s_.tmr[(reg - kTmr) >> 4];
  if (reg >= kIrr && reg < kIrr + 0x80) return s_.irr[(reg - kIrr) >> 4];
  if (reg >= kLvtTimer && reg <= kLvtError) return s_.lvt[(reg - kLvtTimer) >> 4];
  switch (reg) {
    case kId: return s_.id;
    case kVersion: return kVersionValue;
    case kTpr: return s_.tpr;
    case kPpr: return ppr();
    case kLdr: return s_.ldr;
    case kDfr: return s_.dfr;
    case kSvr: return s_.svr;
    case kEsr: return s_.esr;
    case kIcrLo: return s_.icr_lo;
    case kIcrHi: return s_.icr_hi;
    case kTimerInitial: return s_.initial;
    case kTimerCurrent: return timer_current();
    case kTimerDivide: return s_.divide;
    default: return 0;   // APR, RRD, EOI and reserved registers
  }
}

void Lapic::write_lvt(unsigned which, uint32_t v) {
  v &= kLvtWritable[which];
  if (!enabled()) v |= kMasked;
  if (which == kTimer) {
    rebase_timer();
    s_.lvt[kTimer] = v;
    arm_timer();
    return;
  }
  // LINT0/1 keep their read-only remote IRR bit.
  s_.lvt[which] = v | (s_.lvt[which] & ~kLvtWritable[which] & (1u << 14));
}

void Lapic::write_reg(uint32_t reg, uint32_t v) {
  if (reg >= kLvtTimer && reg <= kLvtError) {
    write_lvt((reg - kLvtTimer) >> 4, v);
    return;
  }
  switch (reg) {
    case kId: s_.id = v & 0xff000000; break;
    case kTpr: s_.tpr = v & 0xff; break;
    case kEoi: {
      const int isrv = highest(s_.isr);
      if (isrv >= 0) {
        s_.isr[isrv >> 5] &= ~(1u << (isrv & 31));
        s_.tmr[isrv >> 5] &= ~(1u << (isrv & 31));
      }
      break;
    }
    case kLdr: s_.ldr = v & 0xff000000; break;
    case kDfr: s_.dfr = v | 0x0fffffff; break;
    case kSvr:
      s_.svr = v & 0x3ff;
      if (!enabled()) {
        rebase_timer();
        for (uint32_t& l : s_.lvt) l |= kMasked;
      }
      break;
    case kEsr:
      s_.esr = s_.esr_pending;   // a write latches the errors seen since the last one
      s_.esr_pending = 0;
      break;
    case kIcrHi: s_.icr_hi = v & 0xff000000; break;
    case kIcrLo:
      s_.icr_lo = v & 0x000ccfff;   // delivery status (bit 12) always reads idle
      send_ipi();
      break;
    case kTimerInitial:
      s_.initial = v;
      s_.start = clock_.now();
      s_.first = v;
      s_.fired = 0;
      s_.running = v != 0;
      arm_timer();
      break;
    case kTimerDivide:
      rebase_timer();
      s_.divide = v & 0x0b;
      arm_timer();
      break;
    default: break;   // read-only and reserved registers
  }
}

uint32_t Lapic::read(paddr_t offset, unsigned size) {
  if ((offset & 0xf) >= 4) return 0;
  const uint32_t v = read_reg(uint32_t(offset & 0xff0)) >> (8 * (offset & 3));
  return size >= 4 ? v : v & ((1u << (8 * size)) - 1);
}

void Lapic::write(paddr_t offset, unsigned size, uint32_t value) {
  // Registers are written as aligned doublewords; narrower writes are undefined and ignored.
  if (size != 4 || (offset & 0xf) != 0) return;
  write_reg(uint32_t(offset & 0xff0), value);
}

// ---- state -------------------------------------------------------------------------------------

void Lapic::save(StateWriter& w) const {
  w.tag("LAPC");
  for (uint32_t v : {s_.id, s_.tpr, s_.ldr, s_.dfr, s_.svr, s_.esr, s_.esr_pending, s_.icr_lo,
                     s_.icr_hi, s_.divide, s_.initial, s_.first})
    w.u32(v);
  for (uint32_t v : s_.lvt) w.u32(v);
  for (uint32_t v : s_.irr) w.u32(v);
  for (uint32_t v : s_.isr) w.u32(v);
  for (uint32_t v : s_.tmr) w.u32(v);
  w.boolean(s_.running);
  w.u64(s_.start);
  w.u64(s_.fired);
}

bool Lapic::load(StateReader& r) {
  if (!r.tag("LAPC")) return false;
  LapicState t;
  for (uint32_t* v : {&t.id, &t.tpr, &t.ldr, &t.dfr, &t.svr, &t.esr, &t.esr_pending, &t.icr_lo,
                      &t.icr_hi, &t.divide, &t.initial, &t.first})
    *v = r.u32();
  for (uint32_t& v : t.lvt) v = r.u32();
  for (uint32_t& v : t.irr) v = r.u32();
  for (uint32_t& v : t.isr) v = r.u32();
  for (uint32_t& v : t.tmr) v = r.u32();
  t.running = r.boolean();
  t.start = r.u64();
  t.fired = r.u64();
  if (!r.ok()) return false;
  s_ = t;
  return true;
}

}  // namespace pvlab
