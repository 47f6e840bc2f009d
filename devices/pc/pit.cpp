#include "devices/pc/pit.h"

namespace pvlab {

namespace {
constexpr uint64_t kNever = PitChannel::kNever;

uint32_t from_bcd(uint32_t n) {
  return ((n >> 12) & 15) * 1000 + ((n >> 8) & 15) * 100 + ((n >> 4) & 15) * 10 + (n & 15);
}
uint16_t to_bcd(uint32_t n) {
  return uint16_t((n / 1000 % 10) << 12 | (n / 100 % 10) << 8 | (n / 10 % 10) << 4 | (n % 10));
}
}  // namespace

Pit::Pit(DeviceClock& clock, IrqLine irq0) : clock_(clock), irq0_(irq0) {
  timer_ = clock_.add_timer("pit.irq0", [this](uint64_t when) { on_timer(when); });
  reset();
}

void Pit::map(Bus& bus) {
  bus.map_ports(0x40, 4, this);
  bus.map_ports(0x61, 1, this);
}

void Pit::reset() {
  for (PitChannel& c : ch_) c = PitChannel{};
  port61_ = 0;
  ch_[2].gate = false;
  control(0x36);                 // channel 0: LSB then MSB, mode 3, waiting for its count
  control(0x74);                 // channel 1: LSB then MSB, mode 2
  write_counter(1, 18);
  write_counter(1, 0);
}

// ---- the counting element ----------------------------------------------------------------------

uint32_t Pit::period(const PitChannel& c) { return c.reload < 2 ? 2 : c.reload; }

Pit::Mode3 Pit::mode3_at(const PitChannel& c, uint64_t t) {
  const uint32_t p = period(c);
  const uint32_t high = (p + 1) / 2, low = p / 2;
  if (!c.counting || t <= c.epoch) return {c.out, c.value, c.out ? high : low};
  const uint64_t k = t - c.epoch;
  if (k < c.value) return {c.out, uint32_t(c.value - k), c.out ? high : low};
  const uint64_t m = (k - c.value) % p;
  if (c.out) {  // the next half is low, then high
    if (m < low) return {false, uint32_t(low - m), low};
    return {true, uint32_t(p - m), high};
  }
  if (m < high) return {true, uint32_t(high - m), high};
  return {false, uint32_t(p - m), low};
}

uint32_t Pit::raw_count(const PitChannel& c, uint64_t t) {
  if (c.mode == 3) {
    Mode3 s = mode3_at(c, t);
    return s.left == s.len ? period(c) : 2 * s.left;
  }
  if (!c.counting || t <= c.epoch) return c.value;
  const uint64_t k = t - c.epoch;
  if (c.mode == 2) {
    if (k < c.value) return uint32_t(c.value - k);
    const uint32_t p = period(c);
    return uint32_t(p - (k - c.value) % p);
  }
  const uint32_t m = c.modulus();
  return uint32_t((c.value + m - k % m) % m);
}

bool Pit::out_at(const PitChannel& c, uint64_t t) {
  switch (c.mode) {
    case 0:
    case 1: return c.out || (c.counting && t >= c.tc_tick);
    case 4:
    case 5: return t != c.tc_tick;
    case 2: return !c.counting || t < c.epoch || raw_count(c, t) != 1;
    default: return mode3_at(c, t).out;
  }
}

uint64_t Pit::next_change(const PitChannel& c, uint64_t t) {
  if (!c.counting) return kNever;
  if (t < c.epoch) t = c.epoch;  // OUT holds its epoch value until then
  switch (c.mode) {
    case 0:
    case 1: return out_at(c, t) ? kNever : c.tc_tick;
    case 4:
    case 5:
      if (c.tc_tick == kNever || t > c.tc_tick) return kNever;
      return t < c.tc_tick ? c.tc_tick : t + 1;
    case 2: {
      uint32_t v = raw_count(c, t);
      return v <= 1 ? t + 1 : t + v - 1;
    }
    default: return t + mode3_at(c, t).left;
  }
}

void Pit::rebase(PitChannel& c, uint64_t t) {
  if (t <= c.epoch) return;
  if (c.counting) {
    switch (c.mode) {
      case 0:
      case 1:
        c.value = raw_count(c, t);
        c.out = out_at(c, t);
        if (c.tc_tick <= t) c.tc_tick = kNever;
        break;
      case 4:
      case 5:
        c.value = raw_count(c, t);
        c.out = true;
        if (c.tc_tick < t) c.tc_tick = kNever;
        break;
      case 2:
        c.value = raw_count(c, t);
        c.out = c.value != 1;
        break;
      default: {
        Mode3 s = mode3_at(c, t);
        c.out = s.out;
        c.value = s.left;
        break;
      }
    }
  }
  c.epoch = t;
}

// ---- programming -------------------------------------------------------------------------------

void Pit::control(uint8_t v) {
  const unsigned sc = v >> 6;
  if (sc == 3) {
    read_back(v);
    return;
  }
  PitChannel& c = ch_[sc];
  const uint64_t t = tick();
  const unsigned rw = (v >> 4) & 3;
  if (rw == 0) {  // counter latch command; a second one before the read is ignored
    if (!c.count_latched) {
      c.latched = display_count(c, t);
      c.count_latched = true;
      c.latch_msb = false;
    }
    return;
  }
  rebase(c, t);
  c.mode_bits = (v >> 1) & 7;
  c.mode = c.mode_bits > 5 ? uint8_t(c.mode_bits - 4) : c.mode_bits;
  c.rw = uint8_t(rw);
  c.bcd = v & 1;
  c.write_msb = false;
  c.read_msb = false;
  c.count_latched = false;
  c.status_latched = false;
  c.loaded = false;
  c.counting = false;
  c.tc_tick = kNever;
  c.tc_left = kNever;
  c.null_until = kNever;
  c.out = c.mode != 0;
  c.epoch = t;
  if (sc == 0) channel0_changed();
}

void Pit::read_back(uint8_t v) {
  const uint64_t t = tick();
  for (unsigned i = 0; i < 3; ++i) {
    if (!(v >> (i + 1) & 1)) continue;
    PitChannel& c = ch_[i];
    if (!(v & 0x20) && !c.count_latched) {
      c.latched = display_count(c, t);
      c.count_latched = true;
      c.latch_msb = false;
    }
    if (!(v & 0x10) && !c.status_latched) {
      c.status = make_status(c, t);
      c.status_latched = true;
    }
  }
}

void Pit::write_counter(unsigned ch, uint8_t v) {
  PitChannel& c = ch_[ch];
  uint32_t n;
  switch (c.rw) {
    case 1: n = v; break;
    case 2: n = uint32_t(v) << 8; break;
    default:
      if (!c.write_msb) {
        c.write_lsb = v;
        c.write_msb = true;
        if (c.mode == 0) {
          // Mode 0: the first byte of a new count stops the counter and drops OUT.
          const uint64_t t = tick();
          rebase(c, t);
          c.counting = false;
          c.tc_tick = kNever;
          c.tc_left = kNever;
          c.out = false;
          if (ch == 0) channel0_changed();
        }
        return;
      }
      c.write_msb = false;
      n = c.write_lsb | uint32_t(v) << 8;
      break;
  }
  if (c.bcd) n = from_bcd(n) % 10000;
  if (n == 0) n = c.modulus();
  load_count(ch, n);
}

void Pit::load_count(unsigned ch, uint32_t n) {
  PitChannel& c = ch_[ch];
  const uint64_t t = tick();
  const uint32_t m = c.modulus();
  c.reload = n;
  c.loaded = true;
  switch (c.mode) {
    case 0:
    case 4:
      // Loaded at the next tick; the terminal count comes N ticks later.
      c.epoch = t + 1;
      c.value = n % m;
      c.out = c.mode == 4;
      c.null_until = t + 1;
      if (c.gate) {
        c.counting = true;
        c.tc_tick = t + 1 + n;
        c.tc_left = kNever;
      } else {
        c.counting = false;
        c.tc_tick = kNever;
        c.tc_left = n;
      }
      break;
    case 1:
    case 5:
      c.null_until = kNever;  // loaded by the next gate trigger
      break;
    default:  // 2, 3
      if (c.counting) {
        // The new count starts with the next period (mode 2) or half period (mode 3).
        rebase(c, t);
        c.null_until = c.mode == 2 ? t + raw_count(c, t) : t + mode3_at(c, t).left;
      } else if (c.gate) {
        c.epoch = t + 1;
        c.counting = true;
        c.out = true;
        c.value = c.mode == 2 ? period(c) : (period(c) + 1) / 2;
        c.null_until = t + 1;
      } else {
        c.null_until = kNever;  // waits for the gate
      }
      break;
  }
  if (ch == 0) channel0_changed();
}

void Pit::set_gate(unsigned ch, bool level) {
  PitChannel& c = ch_[ch];
  if (c.gate == level) return;
  const uint64_t t = tick();
  rebase(c, t);
  c.gate = level;
  switch (c.mode) {
    case 0:
    case 4:
      if (level && c.loaded && !c.counting) {
        // Counting resumes with the next tick (or the load, if that is still ahead).
        c.counting = true;
        if (c.epoch < t) c.epoch = t;
        c.tc_tick = c.tc_left == kNever ? kNever : c.epoch + c.tc_left;
        c.tc_left = kNever;
      } else if (!level && c.counting) {
        c.tc_left = c.tc_tick > t && c.tc_tick != kNever ? c.tc_tick - t : kNever;
        c.tc_tick = kNever;
        c.counting = false;
      }
      break;
    case 1:
    case 5:
      if (level && c.loaded) {  // trigger: (re)load at the next tick
        c.epoch = t + 1;
        c.value = c.reload % c.modulus();
        c.counting = true;
        c.tc_tick = t + 1 + c.reload;
        c.out = c.mode == 5;
        c.null_until = t + 1;
      }
      break;
    default:  // 2, 3: a low gate stops the count and forces OUT high; rising restarts it
      if (!level) {
        c.counting = false;
        c.out = true;
      } else if (c.loaded) {
        c.epoch = t + 1;
        c.counting = true;
        c.out = true;
        c.value = c.mode == 2 ? period(c) : (period(c) + 1) / 2;
        if (c.null_until > t + 1) c.null_until = t + 1;
      }
      break;
  }
  if (ch == 0) channel0_changed();
}

// ---- reading -----------------------------------------------------------------------------------

uint16_t Pit::display_count(const PitChannel& c, uint64_t t) const {
  uint32_t v = raw_count(c, t) % c.modulus();
  return c.bcd ? to_bcd(v) : uint16_t(v);
}

uint32_t Pit::count(unsigned ch) const { return raw_count(ch_[ch], tick()) % ch_[ch].modulus(); }

uint8_t Pit::make_status(const PitChannel& c, uint64_t t) const {
  return uint8_t((out_at(c, t) ? 0x80 : 0) | (t < c.null_until ? 0x40 : 0) | c.rw << 4 |
                 c.mode_bits << 1 | (c.bcd ? 1 : 0));
}

uint8_t Pit::read_counter(unsigned ch) {
  PitChannel& c = ch_[ch];
  if (c.status_latched) {
    c.status_latched = false;
    return c.status;
  }
  if (c.count_latched) {
    const uint16_t v = c.latched;
    switch (c.rw) {
      case 1: c.count_latched = false; return uint8_t(v);
      case 2: c.count_latched = false; return uint8_t(v >> 8);
      default:
        if (!c.latch_msb) {
          c.latch_msb = true;
          return uint8_t(v);
        }
        c.latch_msb = false;
        c.count_latched = false;
        return uint8_t(v >> 8);
    }
  }
  const uint16_t v = display_count(c, tick());
  switch (c.rw) {
    case 1: return uint8_t(v);
    case 2: return uint8_t(v >> 8);
    default:
      c.read_msb = !c.read_msb;
      return c.read_msb ? uint8_t(v) : uint8_t(v >> 8);
  }
}

uint8_t Pit::in8(uint16_t port) {
  switch (port) {
    case 0x40:
    case 0x41:
    case 0x42: return read_counter(port - 0x40u);
    case 0x61: {
      const uint64_t t = tick();
      return uint8_t((port61_ & 0x0f) | ((t / kRefreshTicks) & 1) << 4 |
                     (out_at(ch_[2], t) ? 0x20 : 0));
    }
    default: return 0xff;  // the control word register cannot be read
  }
}

void Pit::out8(uint16_t port, uint8_t v) {
  switch (port) {
    case 0x40:
    case 0x41:
    case 0x42: write_counter(port - 0x40u, v); break;
    case 0x43: control(v); break;
    case 0x61:
      port61_ = v & 0x0f;
      set_gate(2, v & 1);
      break;
    default: break;
  }
}

// ---- IRQ 0 -------------------------------------------------------------------------------------

void Pit::channel0_changed() {
  const uint64_t t = tick();
  irq0_.set(out_at(ch_[0], t));
  const uint64_t next = next_change(ch_[0], t);
  if (next == kNever) clock_.disarm(timer_);
  else clock_.arm(timer_, clock_.cycle_of_tick(next, kHz));
}

void Pit::on_timer(uint64_t when) {
  // Work at the tick the timer was armed for, so no edge is lost when the CPU arrives late.
  const uint64_t t = clock_.ticks_at(when, kHz);
  irq0_.set(out_at(ch_[0], t));
  const uint64_t next = next_change(ch_[0], t);
  if (next != kNever) clock_.arm(timer_, clock_.cycle_of_tick(next, kHz));
}

// ---- state -------------------------------------------------------------------------------------

void Pit::save(StateWriter& w) const {
  w.tag("PIT0");
  w.u8(port61_);
  for (const PitChannel& c : ch_) {
    w.u8(c.mode);
    w.u8(c.mode_bits);
    w.u8(c.rw);
    w.boolean(c.bcd);
    w.u32(c.reload);
    w.boolean(c.loaded);
    w.boolean(c.write_msb);
    w.u8(c.write_lsb);
    w.boolean(c.read_msb);
    w.boolean(c.count_latched);
    w.boolean(c.latch_msb);
    w.u16(c.latched);
    w.boolean(c.status_latched);
    w.u8(c.status);
    w.boolean(c.gate);
    w.boolean(c.counting);
    w.u64(c.epoch);
    w.u32(c.value);
    w.boolean(c.out);
    w.u64(c.tc_tick);
    w.u64(c.tc_left);
    w.u64(c.null_until);
  }
}

bool Pit::load(StateReader& r) {
  if (!r.tag("PIT0")) return false;
  uint8_t p61 = r.u8() & 0x0f;
  PitChannel tmp[3];
  for (PitChannel& c : tmp) {
    c.mode = r.u8();
    c.mode_bits = r.u8();
    c.rw = r.u8();
    c.bcd = r.boolean();
    c.reload = r.u32();
    c.loaded = r.boolean();
    c.write_msb = r.boolean();
    c.write_lsb = r.u8();
    c.read_msb = r.boolean();
    c.count_latched = r.boolean();
    c.latch_msb = r.boolean();
    c.latched = r.u16();
    c.status_latched = r.boolean();
    c.status = r.u8();
    c.gate = r.boolean();
    c.counting = r.boolean();
    c.epoch = r.u64();
    c.value = r.u32();
    c.out = r.boolean();
    c.tc_tick = r.u64();
    c.tc_left = r.u64();
    c.null_until = r.u64();
    r.check(c.mode <= 5 && c.mode_bits <= 7 && c.rw >= 1 && c.rw <= 3,
            "8254 channel mode or access out of range");
    r.check(c.reload >= 1 && c.reload <= 0x10000, "8254 reload count out of range");
    r.check(c.mode != 3 || !c.counting || c.value >= 1, "8254 mode 3 half period of 0 ticks");
  }
  if (!r.ok()) return false;
  port61_ = p61;
  for (unsigned i = 0; i < 3; ++i) ch_[i] = tmp[i];
  return true;
}

}  // namespace pvlab
