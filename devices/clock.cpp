#include "devices/clock.h"

namespace pvlab {

namespace {
using u128 = unsigned __int128;
constexpr uint64_t kMax = ~0ull;

uint64_t clamp64(u128 v) { return v > u128(kMax) ? kMax : uint64_t(v); }
}  // namespace

DeviceClock::DeviceClock(uint64_t cpu_hz) : hz_(cpu_hz ? cpu_hz : kDefaultHz) {}

uint64_t DeviceClock::muldiv(uint64_t a, uint64_t b, uint64_t c) {
  return clamp64(u128(a) * b / c);
}

uint64_t DeviceClock::ticks_at(uint64_t cycle, uint64_t rate_hz) const {
  return muldiv(cycle, rate_hz, hz_);
}

uint64_t DeviceClock::cycle_of_tick(uint64_t tick, uint64_t rate_hz) const {
  // The smallest c with floor(c * rate / hz) >= tick is ceil(tick * hz / rate).
  return clamp64((u128(tick) * hz_ + rate_hz - 1) / rate_hz);
}

uint64_t DeviceClock::cycles_for(uint64_t ticks, uint64_t rate_hz) const {
  return clamp64((u128(ticks) * hz_ + rate_hz - 1) / rate_hz);
}

DeviceClock::TimerId DeviceClock::add_timer(std::string name, Callback cb) {
  Timer t;
  t.name = std::move(name);
  t.cb = std::move(cb);
  timers_.push_back(std::move(t));
  return TimerId(timers_.size() - 1);
}

void DeviceClock::arm(TimerId id, uint64_t cycle) {
  Timer& t = timers_[id];
  // A timer re-arming itself from its own callback moves forward, so run_due always ends.
  if (in_run_ && id == firing_ && cycle <= firing_when_) cycle = firing_when_ + 1;
  t.armed = true;
  t.cycle = cycle;
  t.seq = seq_++;
  uint64_t old = next_;
  recompute();
  if (next_ != old && !in_run_ && listener_) listener_(next_);
}

void DeviceClock::disarm(TimerId id) {
  if (!timers_[id].armed) return;
  timers_[id].armed = false;
  uint64_t old = next_;
  recompute();
  if (next_ != old && !in_run_ && listener_) listener_(next_);
}

void DeviceClock::recompute() {
  next_ = kNever;
  for (const Timer& t : timers_)
    if (t.armed && t.cycle < next_) next_ = t.cycle;
}

void DeviceClock::run_due(uint64_t now) {
  if (!bound()) own_now_ = now;
  const uint64_t before = next_;
  in_run_ = true;
  for (;;) {
    Timer* best = nullptr;
    TimerId best_id = 0;
    for (TimerId i = 0; i < timers_.size(); ++i) {
      Timer& t = timers_[i];
      if (!t.armed || t.cycle > now) continue;
      if (!best || t.cycle < best->cycle || (t.cycle == best->cycle && t.seq < best->seq)) {
        best = &t;
        best_id = i;
      }
    }
    if (!best) break;
    best->armed = false;
    firing_ = best_id;
    firing_when_ = best->cycle;
    recompute();
    best->cb(firing_when_);
  }
  in_run_ = false;
  recompute();
  if (next_ != before && listener_) listener_(next_);
}

void DeviceClock::save(StateWriter& w) const {
  w.tag("CLK0");
  w.u64(hz_);
  w.u64(own_now_);
  w.u64(seq_);
  w.u32(uint32_t(timers_.size()));
  for (const Timer& t : timers_) {
    w.boolean(t.armed);
    w.u64(t.cycle);
    w.u64(t.seq);
  }
}

bool DeviceClock::load(StateReader& r) {
  if (!r.tag("CLK0")) return false;
  uint64_t hz = r.u64();
  uint64_t own = r.u64();
  uint64_t seq = r.u64();
  uint32_t n = r.u32();
  if (!r.ok()) return false;
  if (n != timers_.size())
    return r.fail("device clock has " + std::to_string(timers_.size()) +
                  " timers, the state holds " + std::to_string(n));
  std::vector<Timer> tmp(n);
  for (Timer& t : tmp) {
    t.armed = r.boolean();
    t.cycle = r.u64();
    t.seq = r.u64();
  }
  if (!r.check(hz != 0, "device clock frequency of 0 Hz") || !r.ok()) return false;
  hz_ = hz;
  own_now_ = own;
  seq_ = seq;
  for (uint32_t i = 0; i < n; ++i) {
    timers_[i].armed = tmp[i].armed;
    timers_[i].cycle = tmp[i].cycle;
    timers_[i].seq = tmp[i].seq;
  }
  recompute();
  if (listener_) listener_(next_);
  return true;
}

}  // namespace pvlab
