#include "devices/pc/cmos.h"

#include <algorithm>

namespace pvlab {

namespace {
constexpr uint8_t kPf = 0x40, kAf = 0x20, kUf = 0x10, kIrqf = 0x80;
constexpr uint64_t kUipNs = 244000;   // UIP rises 244 us before the update

int64_t floor_div(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

// Days since 1970-01-01 of a proleptic Gregorian date (months 1-12; days may overflow).
int64_t days_from_date(int64_t y, int m, int d) {
  y -= m <= 2;
  const int64_t era = floor_div(y, 400);
  const int64_t yoe = y - era * 400;                            // 0..399
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;   // day in a March year
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;   // 0..146096
  return era * 146097 + doe - 719468;
}
}  // namespace

RtcTime rtc_from_seconds(int64_t secs) {
  RtcTime t;
  const int64_t days = floor_div(secs, 86400);
  const int64_t rem = secs - days * 86400;
  t.hour = int(rem / 3600);
  t.minute = int(rem / 60 % 60);
  t.second = int(rem % 60);
  t.weekday = int(((days + 4) % 7 + 7) % 7) + 1;   // 1970-01-01 was a Thursday
  const int64_t z = days + 719468;
  const int64_t era = floor_div(z, 146097);
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  t.day = int(doy - (153 * mp + 2) / 5 + 1);
  t.month = int(mp < 10 ? mp + 3 : mp - 9);
  t.year = int(yoe + era * 400 + (t.month <= 2));
  return t;
}

int64_t rtc_to_seconds(const RtcTime& t) {
  return days_from_date(t.year, t.month, t.day) * 86400 + t.hour * 3600 + t.minute * 60 +
         t.second;
}

Cmos::Cmos(DeviceClock& clock, IrqLine irq8, const CmosConfig& cfg) : clock_(clock), irq8_(irq8) {
  periodic_timer_ = clock_.add_timer("rtc.periodic", [this](uint64_t w) { on_periodic(w); });
  update_timer_ = clock_.add_timer("rtc.update", [this](uint64_t w) { on_update(w); });
  base_secs_ = cfg.epoch;
  base_cycle_ = 0;
  last_c_read_ = clock_.now();
  ram_[kRegA] = 0x26;   // 32.768 kHz time base, 1024 Hz periodic rate
  ram_[kRegB] = 0x02;   // 24-hour, BCD
  ram_[kRegD] = 0x80;   // RAM and time valid
  ram_[0x14] = 0x02;    // equipment: FPU, VGA, no floppy
  ram_[0x15] = 0x80;    // 640 KiB base memory
  ram_[0x16] = 0x02;
  const uint64_t kib = 1024, mib = 1024 * kib;
  const uint64_t ext = cfg.ram_bytes > mib ? std::min<uint64_t>((cfg.ram_bytes - mib) / kib, 0xffff) : 0;
  const uint64_t high =
      cfg.ram_bytes > 16 * mib ? std::min<uint64_t>((cfg.ram_bytes - 16 * mib) / (64 * kib), 0xffff) : 0;
  ram_[0x17] = ram_[0x30] = uint8_t(ext);
  ram_[0x18] = ram_[0x31] = uint8_t(ext >> 8);
  ram_[0x34] = uint8_t(high);
  ram_[0x35] = uint8_t(high >> 8);
  ram_[kCentury] = 0;   // computed when read
  update_checksum();
}

void Cmos::map(Bus& bus) { bus.map_ports(0x70, 2, this); }

void Cmos::update_checksum() {
  unsigned sum = 0;
  for (unsigned i = 0x10; i <= 0x2d; ++i) sum += ram_[i];
  ram_[0x2e] = uint8_t(sum >> 8);
  ram_[0x2f] = uint8_t(sum);
}

void Cmos::poke(unsigned index, uint8_t value) {
  if (index < 0x0e || index >= 128 || index == kCentury) return;
  ram_[index] = value;
}

// ---- the clock ---------------------------------------------------------------------------------

bool Cmos::running() const {
  return !(ram_[kRegB] & 0x80) && ((ram_[kRegA] >> 4) & 7) == 2;
}

RtcTime Cmos::normalized(RtcTime t) {
  // A day past the end of the month becomes its last day; the weekday follows the date.
  const int64_t first = days_from_date(t.year, t.month, 1);
  const int64_t next =
      t.month == 12 ? days_from_date(t.year + 1, 1, 1) : days_from_date(t.year, t.month + 1, 1);
  t.day = std::min<int>(t.day, int(next - first));
  t.weekday = rtc_from_seconds(rtc_to_seconds(t)).weekday;
  return t;
}

int64_t Cmos::rtc_seconds() const {
  if (!running()) return rtc_to_seconds(normalized(held_));
  return base_secs_ + int64_t((clock_.now() - base_cycle_) / clock_.hz());
}

RtcTime Cmos::rtc_time() const {
  if (!running()) {
    RtcTime t = held_;
    t.weekday = normalized(held_).weekday;
    return t;
  }
  return rtc_from_seconds(rtc_seconds());
}

void Cmos::set_running(bool was, int64_t secs_before) {
  const bool is = running();
  if (was && !is) held_ = rtc_from_seconds(secs_before);
  if (!was && is) {
    base_secs_ = rtc_to_seconds(normalized(held_));
    base_cycle_ = clock_.now();
  }
}

uint8_t Cmos::encode(int v) const {
  return bcd() ? uint8_t((v / 10 % 10) << 4 | v % 10) : uint8_t(v);
}

int Cmos::decode(uint8_t v) const { return bcd() ? (v >> 4) * 10 + (v & 15) : v; }

uint8_t Cmos::encode_hour(int h) const {
  if (ram_[kRegB] & 0x02) return encode(h);
  const int h12 = h % 12 == 0 ? 12 : h % 12;
  return uint8_t(encode(h12) | (h >= 12 ? 0x80 : 0));
}

uint8_t Cmos::time_register(unsigned index, const RtcTime& t) const {
  switch (index) {
    case 0x00: return encode(t.second);
    case 0x02: return encode(t.minute);
    case 0x04: return encode_hour(t.hour);
    case 0x06: return encode(t.weekday);
    case 0x07: return encode(t.day);
    case 0x08: return encode(t.month);
    case 0x09: return encode(((t.year % 100) + 100) % 100);
    default: return encode(t.year / 100);   // kCentury
  }
}

void Cmos::write_time_register(unsigned index, uint8_t v) {
  RtcTime t = rtc_time();
  switch (index) {
    case 0x00: t.second = std::clamp(decode(v), 0, 59); break;
    case 0x02: t.minute = std::clamp(decode(v), 0, 59); break;
    case 0x04: {
      if (ram_[kRegB] & 0x02) {
        t.hour = std::clamp(decode(v), 0, 23);
      } else {
        const int h12 = std::clamp(decode(uint8_t(v & 0x7f)), 1, 12);
        t.hour = h12 % 12 + (v & 0x80 ? 12 : 0);
      }
      break;
    }
    case 0x06: return;   // the day of week follows the date
    case 0x07: t.day = std::clamp(decode(v), 1, 31); break;
    case 0x08: t.month = std::clamp(decode(v), 1, 12); break;
    case 0x09: t.year = t.year / 100 * 100 + std::clamp(decode(v), 0, 99); break;
    default: t.year = std::clamp(decode(v), 0, 99) * 100 + t.year % 100; break;   // century
  }
  if (!running()) {
    held_ = t;
    return;
  }
  // Keep the phase of the running second.
  const uint64_t now = clock_.now();
  base_cycle_ = now - (now - base_cycle_) % clock_.hz();
  base_secs_ = rtc_to_seconds(normalized(t));
  rearm();
}

void Cmos::write_reg_a(uint8_t v) {
  const bool was = running();
  const int64_t cur = rtc_seconds();
  ram_[kRegA] = v & 0x7f;
  set_running(was, cur);
  rearm();
}

void Cmos::write_reg_b(uint8_t v) {
  const bool was = running();
  const int64_t cur = rtc_seconds();
  if (v & 0x80) v &= uint8_t(~0x10);   // SET clears UIE
  ram_[kRegB] = v;
  set_running(was, cur);
  rearm();
  update_irq();
}

uint64_t Cmos::periodic_ticks() const {
  if (((ram_[kRegA] >> 4) & 7) != 2) return 0;
  const unsigned rs = ram_[kRegA] & 15;
  if (rs == 0) return 0;
  if (rs <= 2) return 64u << rs;   // 256 Hz and 128 Hz
  return 1u << (rs - 1);
}

bool Cmos::alarm_matches(const RtcTime& t) const {
  auto match = [](uint8_t alarm, uint8_t value) { return (alarm & 0xc0) == 0xc0 || alarm == value; };
  return match(ram_[0x01], encode(t.second)) && match(ram_[0x03], encode(t.minute)) &&
         match(ram_[0x05], encode_hour(t.hour));
}

uint8_t Cmos::lazy_flags(uint64_t now) const {
  uint8_t f = 0;
  if (uint64_t p = periodic_ticks()) {
    if (clock_.ticks_at(now, kRtcHz) / p > clock_.ticks_at(last_c_read_, kRtcHz) / p) f |= kPf;
  }
  if (running() && now >= base_cycle_) {
    const uint64_t hz = clock_.hz();
    const uint64_t s_now = (now - base_cycle_) / hz;
    const uint64_t s_last = last_c_read_ >= base_cycle_ ? (last_c_read_ - base_cycle_) / hz : 0;
    if (s_now > s_last) {
      f |= kUf;
      if (alarm_matches(rtc_from_seconds(rtc_seconds()))) f |= kAf;
    }
  }
  return f;
}

void Cmos::rearm() {
  const uint64_t now = clock_.now();
  const uint64_t p = periodic_ticks();
  if (p && (ram_[kRegB] & 0x40)) {
    const uint64_t next = (clock_.ticks_at(now, kRtcHz) / p + 1) * p;
    clock_.arm(periodic_timer_, clock_.cycle_of_tick(next, kRtcHz));
  } else {
    clock_.disarm(periodic_timer_);
  }
  if (running() && (ram_[kRegB] & 0x30)) {
    const uint64_t hz = clock_.hz();
    clock_.arm(update_timer_, base_cycle_ + ((now - base_cycle_) / hz + 1) * hz);
  } else {
    clock_.disarm(update_timer_);
  }
}

void Cmos::on_periodic(uint64_t when) {
  flags_ |= kPf;
  update_irq();
  const uint64_t p = periodic_ticks();
  if (p && (ram_[kRegB] & 0x40)) {
    const uint64_t next = (clock_.ticks_at(when, kRtcHz) / p + 1) * p;
    clock_.arm(periodic_timer_, clock_.cycle_of_tick(next, kRtcHz));
  }
}

void Cmos::on_update(uint64_t when) {
  flags_ |= kUf;
  const int64_t secs = base_secs_ + int64_t((when - base_cycle_) / clock_.hz());
  if (alarm_matches(rtc_from_seconds(secs))) flags_ |= kAf;
  update_irq();
  if (running() && (ram_[kRegB] & 0x30)) clock_.arm(update_timer_, when + clock_.hz());
}

void Cmos::update_irq() { irq8_.set((flags_ & ram_[kRegB] & 0x70) != 0); }

uint8_t Cmos::read_reg_c() {
  const uint64_t now = clock_.now();
  uint8_t v = uint8_t(flags_ | lazy_flags(now));
  if (v & ram_[kRegB] & 0x70) v |= kIrqf;
  flags_ = 0;
  last_c_read_ = now;
  update_irq();
  return v;
}

// ---- registers ---------------------------------------------------------------------------------

uint8_t Cmos::peek(unsigned index) const {
  index &= 0x7f;
  switch (index) {
    case 0x00: case 0x02: case 0x04: case 0x06: case 0x07: case 0x08: case 0x09: case kCentury:
      return time_register(index, rtc_time());
    case kRegA: {
      uint8_t v = ram_[kRegA];
      if (running()) {
        const uint64_t hz = clock_.hz();
        const uint64_t phase = (clock_.now() - base_cycle_) % hz;
        if (phase + clock_.cycles_from_ns(kUipNs) >= hz) v |= 0x80;
      }
      return v;
    }
    case kRegC: {
      uint8_t v = uint8_t(flags_ | lazy_flags(clock_.now()));
      if (v & ram_[kRegB] & 0x70) v |= kIrqf;
      return v;
    }
    case kRegD: return 0x80;
    default: return ram_[index];
  }
}

uint8_t Cmos::in8(uint16_t port) {
  if (port == 0x70) return uint8_t(index_ | (nmi_disabled_ ? 0x80 : 0));
  if (index_ == kRegC) return read_reg_c();
  return peek(index_);
}

void Cmos::out8(uint16_t port, uint8_t v) {
  if (port == 0x70) {
    index_ = v & 0x7f;
    nmi_disabled_ = v & 0x80;
    return;
  }
  switch (index_) {
    case 0x00: case 0x02: case 0x04: case 0x06: case 0x07: case 0x08: case 0x09: case kCentury:
      write_time_register(index_, v);
      break;
    case kRegA: write_reg_a(v); break;
    case kRegB: write_reg_b(v); break;
    case kRegC:
    case kRegD: break;   // read-only
    default: ram_[index_] = v; break;
  }
}

// ---- state -------------------------------------------------------------------------------------

void Cmos::save(StateWriter& w) const {
  w.tag("CMOS");
  w.bytes(ram_, sizeof ram_);
  w.u8(index_);
  w.boolean(nmi_disabled_);
  w.i64(base_secs_);
  w.u64(base_cycle_);
  for (int f : {held_.year, held_.month, held_.day, held_.hour, held_.minute, held_.second})
    w.u32(uint32_t(f));
  w.u8(flags_);
  w.u64(last_c_read_);
}

bool Cmos::load(StateReader& r) {
  if (!r.tag("CMOS")) return false;
  uint8_t ram[128];
  r.bytes(ram, sizeof ram);
  uint8_t index = r.u8();
  bool nmi = r.boolean();
  int64_t secs = r.i64();
  uint64_t cycle = r.u64();
  RtcTime held;
  for (int* f : {&held.year, &held.month, &held.day, &held.hour, &held.minute, &held.second})
    *f = int(r.u32());
  r.check(held.month >= 1 && held.month <= 12 && held.day >= 1 && held.day <= 31 &&
              held.hour >= 0 && held.hour < 24 && held.minute >= 0 && held.minute < 60 &&
              held.second >= 0 && held.second < 60 && held.year >= 0 && held.year <= 9999,
          "CMOS held time out of range");
  uint8_t flags = r.u8();
  uint64_t last = r.u64();
  r.check(index < 128, "CMOS index out of range");
  if (!r.ok()) return false;
  std::copy(ram, ram + 128, ram_);
  index_ = index;
  nmi_disabled_ = nmi;
  base_secs_ = secs;
  base_cycle_ = cycle;
  held_ = held;
  flags_ = flags & 0x70;
  last_c_read_ = last;
  update_irq();
  return true;
}

}  // namespace pvlab
