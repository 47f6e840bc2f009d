// Device time. pvlab's devices have no clock of their own: time is the CPU's cycle counter,
// and a DeviceClock turns it into device time and holds the device timers. A device adds its
// timers once, at construction (a name and a callback), then arms and disarms them with
// absolute cycles. The machine asks next_deadline() for the CPU's deadline and calls
// run_due() when the CPU reaches it. Timers due at the same cycle fire in the order they were
// armed, so a run is the same bits every time; the armed cycles are plain data and go into
// snapshots with save()/load() (the callbacks are wiring, fixed by construction order).
//
// Frequencies: `hz` is the nominal CPU frequency, the number of cycles in one second of guest
// time (1 GHz by default). A device clock of `rate` Hz is a grid of ticks that started at cycle
// 0: ticks_at(c, rate) whole ticks have passed at cycle c, and tick t begins at
// cycle_of_tick(t, rate). Working on that absolute grid keeps periodic timers free of drift.
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "devices/state_io.h"

namespace pvlab {

class DeviceClock {
 public:
  using TimerId = uint32_t;
  // Called with the cycle the timer was armed for (the CPU may reach it a little later;
  // now() tells the current cycle).
  using Callback = std::function<void(uint64_t when)>;
  static constexpr uint64_t kNever = ~0ull;
  static constexpr uint64_t kDefaultHz = 1'000'000'000;

  explicit DeviceClock(uint64_t cpu_hz = kDefaultHz);
  DeviceClock(const DeviceClock&) = delete;
  DeviceClock& operator=(const DeviceClock&) = delete;

  // ---- the current cycle ---------------------------------------------------------------------
  // Follow an external counter (the CPU's `s.cycles`), so device registers read mid-block see
  // the cycle of the instruction doing the access. nullptr returns to the clock's own counter.
  void bind(const uint64_t* cycle_counter) { counter_ = cycle_counter ? cycle_counter : &own_now_; }
  bool bound() const { return counter_ != &own_now_; }
  // Set the clock's own counter (unbound clocks: tests and tools).
  void set_now(uint64_t cycle) { own_now_ = cycle; }
  uint64_t now() const { return *counter_; }

  uint64_t hz() const { return hz_; }
  void set_hz(uint64_t hz) { hz_ = hz ? hz : kDefaultHz; }

  // ---- conversions ---------------------------------------------------------------------------
  uint64_t ticks_at(uint64_t cycle, uint64_t rate_hz) const;
  uint64_t cycle_of_tick(uint64_t tick, uint64_t rate_hz) const;
  // Cycles spanned by `ticks` ticks of a `rate_hz` clock, rounded up.
  uint64_t cycles_for(uint64_t ticks, uint64_t rate_hz) const;
  uint64_t cycles_from_ns(uint64_t ns) const { return cycles_for(ns, 1'000'000'000); }
  // floor(a * b / c) without overflow (c != 0).
  static uint64_t muldiv(uint64_t a, uint64_t b, uint64_t c);

  // ---- timers --------------------------------------------------------------------------------
  TimerId add_timer(std::string name, Callback cb);
  // Arm (or re-arm) a timer for an absolute cycle. A cycle at or before now fires at the next
  // run_due().
  void arm(TimerId t, uint64_t cycle);
  void disarm(TimerId t);
  bool armed(TimerId t) const { return timers_[t].armed; }
  uint64_t expiry(TimerId t) const { return timers_[t].armed ? timers_[t].cycle : kNever; }
  const std::string& timer_name(TimerId t) const { return timers_[t].name; }
  size_t timer_count() const { return timers_.size(); }

  // The earliest armed cycle, kNever when nothing is armed.
  uint64_t next_deadline() const { return next_; }
  // Fire every timer due at or before `now`, earliest first (ties: arming order). Callbacks
  // may arm timers again; those due by `now` fire in the same call. An unbound clock's own
  // counter is set to `now` first.
  void run_due(uint64_t now);
  void run_due() { run_due(now()); }
  // Told the new next_deadline() whenever it changes (the machine forwards it to
  // Cpu::set_deadline). Not called from inside run_due() until the callbacks have run.
  void set_deadline_listener(std::function<void(uint64_t)> f) { listener_ = std::move(f); }

  // ---- state ---------------------------------------------------------------------------------
  void save(StateWriter& w) const;
  // Restores the armed timers; the clock must have the same timers (same construction).
  bool load(StateReader& r);

 private:
  struct Timer {
    std::string name;
    Callback cb;
    bool armed = false;
    uint64_t cycle = 0;
    uint64_t seq = 0;   // arming order, for ties
  };
  void recompute();

  uint64_t hz_;
  uint64_t own_now_ = 0;
  const uint64_t* counter_ = &own_now_;
  std::vector<Timer> timers_;
  uint64_t seq_ = 0;
  uint64_t next_ = kNever;
  bool in_run_ = false;
  TimerId firing_ = 0;          // the timer whose callback runs (valid while in_run_)
  uint64_t firing_when_ = 0;
  std::function<void(uint64_t)> listener_;
};

}  // namespace pvlab
