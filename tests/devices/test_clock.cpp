// DeviceClock: timers at absolute cycles, ties in arming order, conversions on a drift-free
// grid, and armed timers surviving save/load.
#include <doctest/doctest.h>

#include <string>

#include "devices/clock.h"
#include "tests/devices/helpers.h"

using namespace pvlab;

TEST_CASE("clock: timers fire in cycle order, ties in arming order") {
  DeviceClock clk;
  std::string log;
  auto note = [&](char name, uint64_t w) {
    log.push_back(name);
    log.append(std::to_string(w));
    log.push_back(' ');
  };
  auto a = clk.add_timer("a", [&](uint64_t w) { note('a', w); });
  auto b = clk.add_timer("b", [&](uint64_t w) { note('b', w); });
  auto c = clk.add_timer("c", [&](uint64_t w) { note('c', w); });
  CHECK(clk.next_deadline() == DeviceClock::kNever);
  clk.arm(c, 100);
  clk.arm(a, 50);
  clk.arm(b, 100);
  CHECK(clk.next_deadline() == 50);
  clk.run_due(49);
  CHECK(log.empty());
  clk.run_due(100);
  CHECK(log == "a50 c100 b100 ");
  CHECK(clk.next_deadline() == DeviceClock::kNever);
  CHECK(clk.now() == 100);
}

TEST_CASE("clock: a callback re-arming itself fires again within the same run") {
  DeviceClock clk;
  int fired = 0;
  DeviceClock::TimerId t = 0;
  t = clk.add_timer("tick", [&](uint64_t w) {
    ++fired;
    clk.arm(t, w + 10);
  });
  clk.arm(t, 10);
  clk.run_due(45);
  CHECK(fired == 4);   // 10, 20, 30, 40
  CHECK(clk.next_deadline() == 50);
  // Re-arming at or before its own cycle still moves forward (no endless loop).
  DeviceClock::TimerId u = 0;
  int same = 0;
  u = clk.add_timer("same", [&](uint64_t w) {
    if (++same < 3) clk.arm(u, w);
  });
  clk.disarm(t);
  clk.arm(u, 100);
  clk.run_due(200);
  CHECK(same == 3);
}

TEST_CASE("clock: the deadline listener hears every change") {
  DeviceClock clk;
  std::vector<uint64_t> heard;
  clk.set_deadline_listener([&](uint64_t c) { heard.push_back(c); });
  auto a = clk.add_timer("a", [](uint64_t) {});
  auto b = clk.add_timer("b", [](uint64_t) {});
  clk.arm(a, 500);
  clk.arm(b, 300);
  clk.arm(b, 800);
  clk.disarm(a);
  CHECK(heard == std::vector<uint64_t>{500, 300, 500, 800});
  clk.run_due(1000);
  CHECK(heard.back() == DeviceClock::kNever);
}

TEST_CASE("clock: conversions work on an absolute grid") {
  DeviceClock clk;   // 1 GHz
  CHECK(clk.hz() == 1'000'000'000);
  const uint64_t pit = 1193182;
  // Tick t starts at the first cycle where ticks_at reaches t.
  for (uint64_t t : {0ull, 1ull, 2ull, 1193ull, 1193182ull, 123456789ull}) {
    uint64_t c = clk.cycle_of_tick(t, pit);
    CHECK(clk.ticks_at(c, pit) == t);
    if (c) CHECK(clk.ticks_at(c - 1, pit) == t - 1);
  }
  CHECK(clk.cycle_of_tick(1193182, pit) == 1'000'000'000);
  CHECK(clk.cycles_from_ns(244000) == 244000);
  CHECK(clk.cycles_for(3, 1'000'000) == 3000);
  // No overflow far into a run.
  CHECK(clk.ticks_at(~0ull / 2, pit) == DeviceClock::muldiv(~0ull / 2, pit, 1'000'000'000));
  clk.set_hz(3'000'000'000);
  CHECK(clk.cycle_of_tick(1, 1'000'000) == 3000);
}

TEST_CASE("clock: a bound clock reads the external counter") {
  DeviceClock clk;
  uint64_t cycles = 1234;
  clk.bind(&cycles);
  CHECK(clk.bound());
  CHECK(clk.now() == 1234);
  cycles = 99999;
  CHECK(clk.now() == 99999);
  clk.bind(nullptr);
  CHECK(!clk.bound());
}

TEST_CASE("clock: armed timers go through save and load") {
  DeviceClock a, b;
  int fa = 0, fb = 0;
  auto ta = a.add_timer("x", [&](uint64_t) { ++fa; });
  auto ta2 = a.add_timer("y", [&](uint64_t) { ++fa; });
  b.add_timer("x", [&](uint64_t) { ++fb; });
  b.add_timer("y", [&](uint64_t) { ++fb; });
  a.arm(ta, 700);
  a.arm(ta2, 900);
  StateWriter w;
  a.save(w);
  StateReader r(w.data());
  REQUIRE(b.load(r));
  CHECK(b.next_deadline() == 700);
  CHECK(b.expiry(1) == 900);
  b.run_due(1000);
  CHECK(fb == 2);
  // A clock with a different set of timers refuses the state.
  DeviceClock c;
  c.add_timer("only", [](uint64_t) {});
  StateReader r2(w.data());
  CHECK(!c.load(r2));
  CHECK(r2.error().find("timers") != std::string::npos);
}
