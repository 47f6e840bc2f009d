// Reverse execution in the debugging Session (frontend/session.h): stepping back gives the
// states stepping forward saw, exactly (registers, instruction and cycle counters, memory);
// reverse continue finds the previous breakpoint hit; the timeline goes anywhere in the
// history; a write starts a new history; a PV domain's console output is undone with the
// rest of the machine and done again once. Under the out-of-order timing model the cycle
// counter and the model's counters step back too.
#include <doctest/doctest.h>

#include <iterator>
#include <utility>

#include "demo_guest.h"
#include "frontend/session.h"
#include "frontend/timing_setup.h"
#include "hyper/hypervisor.h"
#include "frontend/state_file.h"
#include "pv_hello.h"
#include "pv_test_events.h"

using namespace pvlab;

namespace {

std::unique_ptr<Session> session_of(const uint8_t* image, size_t n, unsigned vcpus = 1,
                                    const TimingConfig* timing = nullptr) {
  std::string err;
  auto img = parse_elf("guest", std::vector<uint8_t>(image, image + n), err);
  REQUIRE(img.has_value());
  LoadOptions lo;
  lo.mem_bytes = 8u << 20;
  lo.vcpus = vcpus;
  if (timing) {
    lo.mmu = MmuConfig{};
    apply_timing_to_mmu(*timing, *lo.mmu);
  }
  auto t = load_target(*img, lo, err);
  REQUIRE(t != nullptr);
  return std::make_unique<Session>(std::move(t));
}

struct State {
  uint64_t insns = 0, cycles = 0;
  std::vector<uint64_t> regs;
  std::vector<uint8_t> stack;
  bool operator==(const State&) const = default;
};

State state_of(Session& s) {
  State st;
  s.with_target([&](Target& t) {
    st.insns = t.cpu(0).s.insns;
    st.cycles = t.cpu(0).s.cycles;
    return 0;
  });
  for (Reg r : {Reg::EAX, Reg::ECX, Reg::EDX, Reg::EBX, Reg::ESP, Reg::EBP, Reg::ESI, Reg::EDI, Reg::EIP,
                Reg::EFLAGS, Reg::CR3})
    st.regs.push_back(s.reg(r));
  st.stack.resize(64);
  st.stack.resize(s.read_memory(s.reg(Reg::ESP), st.stack.data(), st.stack.size()));
  return st;
}

// Step forward n times, then back n times: every state back must be the one forward.
void forward_and_back(Session& s, unsigned n) {
  std::vector<State> fwd{state_of(s)};
  for (unsigned k = 0; k < n; ++k) {
    REQUIRE(s.run(RunMode::Step).why == StopInfo::Why::Step);
    fwd.push_back(state_of(s));
  }
  for (unsigned k = n; k-- > 0;) {
    const StopInfo st = s.reverse_step();
    CHECK((st.why == StopInfo::Why::Step || st.why == StopInfo::Why::HistoryBegin));
    const State back = state_of(s);
    CHECK_MESSAGE(back == fwd[k], "step back to instruction " << fwd[k].insns);
    if (!(back == fwd[k])) break;
  }
}

// Under the out-of-order model: the machine's state and the model's counters, stepping forward
// n times and back n times.
struct TimedState {
  State machine;
  std::vector<uint64_t> model;   // instructions, micro-ops, CPI stack, cache and branch counters
  bool operator==(const TimedState&) const = default;
};

TimedState timed_state_of(Session& s, const TimingModels& tm) {
  TimedState st{state_of(s), {}};
  const TimingStats t = tm.model(0).stats();
  st.model = {t.insns, t.uops, t.cycles, t.l1d_hits, t.l1d_misses, t.l1i_misses, t.l2_misses, t.dtlb_misses,
              t.branches.branches, t.branches.mispredicts, t.hv_entries};
  st.model.insert(st.model.end(), std::begin(t.cpi), std::end(t.cpi));
  return st;
}

// The number of steps back that did not find the forward state.
unsigned timed_forward_and_back(Session& s, const TimingModels& tm, unsigned n) {
  std::vector<TimedState> fwd{timed_state_of(s, tm)};
  for (unsigned k = 0; k < n; ++k) {
    REQUIRE(s.run(RunMode::Step).why == StopInfo::Why::Step);
    fwd.push_back(timed_state_of(s, tm));
  }
  unsigned differ = 0;
  for (unsigned k = n; k-- > 0;) {
    s.reverse_step();
    const TimedState b = timed_state_of(s, tm);
    differ += !(b == fwd[k]);
  }
  return differ;
}

}  // namespace

TEST_CASE("reverse: stepping back through snapshots gives the forward states exactly (PC)") {
  auto s = session_of(kDemoGuest, std::size(kDemoGuest));
  std::string err;
  REQUIRE(s->enable_reverse(100, err));
  forward_and_back(*s, 450);
  CHECK(s->timeline().snapshots >= 4);
  CHECK(s->reverse_step().why == StopInfo::Why::HistoryBegin);
  CHECK(s->timeline().now == 0);
}

TEST_CASE("reverse: a PV domain with one vcpu steps back too") {
  auto s = session_of(kPvHello, std::size(kPvHello));
  std::string err;
  REQUIRE(s->enable_reverse(64, err));
  // Through a hypercall: run to the first one, then step on.
  REQUIRE(s->catch_hypercall(std::nullopt, true));
  REQUIRE(s->run().why == StopInfo::Why::Event);
  s->clear_catches();
  forward_and_back(*s, 200);
}

TEST_CASE("reverse: under --timing ooo a step back finds the same registers and cycle counter (both engines)") {
  for (const auto& [pv, engine] : {std::pair{false, "fast"}, std::pair{true, "fast"}, std::pair{false, "cycle"},
                                   std::pair{true, "cycle"}}) {
    CAPTURE(pv);
    const std::string engine_name = engine;
    CAPTURE(engine_name);
    TimingConfig cfg;
    cfg.engine = engine;
    auto s = pv ? session_of(kPvHello, std::size(kPvHello), 1, &cfg) : session_of(kDemoGuest, std::size(kDemoGuest), 1, &cfg);
    TimingModels tm;
    hyper::Hypervisor* hv = s->target().hypervisor();
    s->with_target([&](Target& t) {
      tm.attach(cfg, t.cpu(0));
      if (hv) hv->set_timing_hook(&tm);
      return 0;
    });
    s->set_timing(&tm);
    std::string err;
    REQUIRE(s->enable_reverse(100, err));
    // Warm the model first (caches, predictor), then step on and back across snapshots.
    REQUIRE(s->run(RunMode::Step).why == StopInfo::Why::Step);
    for (int k = 0; k < 300; ++k) s->run(RunMode::Step);
    const uint64_t cycles_before = s->with_target([](Target& t) { return t.cpu(0).s.cycles; });
    CHECK(timed_forward_and_back(*s, tm, 400) == 0);
    CHECK(s->timeline().snapshots >= 4);
    CHECK(s->with_target([](Target& t) { return t.cpu(0).s.cycles; }) == cycles_before);
    // The same without the model in the history: a step back restores the machine but the
    // model goes on from where it was, and the cycle counts part from the forward run's
    // (what set_timing prevents).
    s->set_timing(nullptr);
    REQUIRE(s->set_reg(Reg::EAX, s->reg(Reg::EAX), err));   // a new history, without the model
    CHECK(timed_forward_and_back(*s, tm, 400) > 0);
    if (hv) hv->set_timing_hook(nullptr);
  }
}

TEST_CASE("reverse: reverse continue finds the previous breakpoint hit, the timeline goes anywhere") {
  auto s = session_of(kDemoGuest, std::size(kDemoGuest));
  std::string err;
  REQUIRE(s->enable_reverse(2000, err));
  std::vector<State> fwd{state_of(*s)};
  for (unsigned k = 0; k < 3000; ++k) {
    s->run(RunMode::Step);
    fwd.push_back(state_of(*s));
  }
  // An address the run passed more than once: a loop.
  const uint32_t loop_pc = uint32_t(fwd[2500].regs[8]);
  std::vector<size_t> hits;
  for (size_t k = 0; k < 3000; ++k)
    if (fwd[k].regs[8] == loop_pc) hits.push_back(k);
  REQUIRE(hits.size() >= 2);

  SUBCASE("timeline") {
    for (uint64_t k : {1234ull, 17ull, 2999ull, 2000ull, 1999ull, 0ull, 3000ull}) {
      s->goto_insn(k);
      CHECK_MESSAGE(state_of(*s) == fwd[k], "goto " << k);
    }
    const Session::Timeline t = s->timeline();
    CHECK(t.begin == 0);
    CHECK(t.end == 3000);
    CHECK(t.now == 3000);
  }
  SUBCASE("reverse continue") {
    s->add_breakpoint(loop_pc);
    StopInfo st = s->reverse_continue();
    CHECK(st.why == StopInfo::Why::Breakpoint);
    CHECK(st.pc == loop_pc);
    // The last hit before 3000 (not at 3000 itself).
    size_t last = 0;
    for (size_t h : hits)
      if (h < 3000) last = h;
    CHECK(state_of(*s) == fwd[last]);
    st = s->reverse_continue();
    CHECK(st.why == StopInfo::Why::Breakpoint);
    size_t before = 0;
    for (size_t h : hits)
      if (h < last) before = h;
    CHECK(state_of(*s) == fwd[before]);
    // Forward again: the next hit is where the run met it.
    st = s->run(RunMode::Continue);
    CHECK(st.why == StopInfo::Why::Breakpoint);
    CHECK(state_of(*s) == fwd[last]);
    s->clear_breakpoints();
    st = s->reverse_continue();
    CHECK(st.why == StopInfo::Why::HistoryBegin);
    CHECK(state_of(*s) == fwd[0]);
  }
}

TEST_CASE("reverse: a write starts a new history") {
  auto s = session_of(kDemoGuest, std::size(kDemoGuest));
  std::string err;
  REQUIRE(s->enable_reverse(0, err));
  for (int k = 0; k < 20; ++k) s->run(RunMode::Step);
  REQUIRE(s->set_reg(Reg::EBX, 0x1234, err));
  for (int k = 0; k < 5; ++k) s->run(RunMode::Step);
  CHECK(s->timeline().begin == 20);
  for (int k = 0; k < 5; ++k) CHECK(s->reverse_step().why != StopInfo::Why::Paused);
  CHECK(s->timeline().now == 20);
  CHECK(s->reverse_step().why == StopInfo::Why::HistoryBegin);
}

namespace {

// The hash of the whole machine the target saves, RAM included.
uint64_t machine_hash(Session& s) {
  return s.with_target([](Target& t) {
    StateWriter w;
    t.save_state(w);
    PhysMem& m = t.ram();
    return state_hash(m.ptr(0), m.size(), state_hash(w.data()));
  });
}

size_t count_of(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

}  // namespace

TEST_CASE("reverse: a PV domain's console ring output goes back and comes again once") {
  // The events kernel writes one line through the console ring (the console back end drains
  // it on the notify); the rest of its output goes through console_io.
  auto s = session_of(kPvTestEvents, std::size(kPvTestEvents));
  std::string err;
  REQUIRE(s->enable_reverse(20000, err));
  REQUIRE(s->catch_hypercall(std::nullopt, true));
  const std::string ring_line = "this line went through the console ring";
  int past = -1;   // hypercall stops since the ring's line came out
  for (int k = 0; k < 20000 && past < 3; ++k) {
    REQUIRE(s->run().why == StopInfo::Why::Event);
    if (past >= 0) ++past;
    else if (s->console().find(ring_line) != std::string::npos) past = 0;
  }
  REQUIRE(past == 3);
  const std::string out = s->console();
  const uint64_t end = s->timeline().now;
  const uint64_t hash = machine_hash(*s);
  CHECK(count_of(out, ring_line) == 1);

  // Back over the hypercalls until the line is not out yet: the console record goes back too.
  int back = 0;
  while (s->console().find(ring_line) != std::string::npos && back < 50) {
    REQUIRE(s->reverse_continue().why == StopInfo::Why::Event);
    ++back;
  }
  CHECK(back >= 4);
  CHECK(s->console().find(ring_line) == std::string::npos);
  CHECK(out.compare(0, s->console().size(), s->console()) == 0);
  CHECK(machine_hash(*s) != hash);

  // Forward again to the same point: the same output, the line once, the same machine.
  while (s->timeline().now < end) REQUIRE(s->run().why == StopInfo::Why::Event);
  CHECK(s->timeline().now == end);
  CHECK(s->console() == out);
  CHECK(count_of(s->console(), ring_line) == 1);
  CHECK(machine_hash(*s) == hash);
  // And by the timeline, the same again.
  s->goto_insn(end / 2);
  s->goto_insn(end);
  CHECK(s->console() == out);
  CHECK(machine_hash(*s) == hash);
}
