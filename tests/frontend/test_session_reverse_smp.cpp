// Reverse execution on a PV domain with two vcpus (frontend/session_reverse.cpp): stepping
// back one instruction of the selected vcpu gives the machine as it was just before that
// vcpu's last instruction, both vcpus' registers and counters exactly (checked against the
// states stepping forward saw, and across the other vcpu's turns against a fresh machine run
// to the same instruction count); reverse continue stops at the previous hit on any vcpu and
// selects that vcpu.
#include <doctest/doctest.h>

#include <iterator>

#include "frontend/session.h"
#include "pv_test_vcpus.h"

using namespace pvlab;

namespace {

constexpr unsigned kSchedOp = 29;   // __HYPERVISOR_sched_op (the vcpus kernel's yields)

std::unique_ptr<Session> two_vcpus() {
  std::string err;
  auto img = parse_elf("pv-test-vcpus", std::vector<uint8_t>(kPvTestVcpus, kPvTestVcpus + std::size(kPvTestVcpus)), err);
  REQUIRE(img.has_value());
  LoadOptions lo;
  lo.mem_bytes = 8u << 20;
  lo.vcpus = 2;
  auto t = load_target(*img, lo, err);
  REQUIRE(t != nullptr);
  return std::make_unique<Session>(std::move(t));
}

struct VcpuState {
  uint32_t r[8] = {}, eip = 0, eflags = 0;
  uint64_t insns = 0, cycles = 0;
  bool operator==(const VcpuState&) const = default;
};
struct Both {
  VcpuState v[2];
  bool operator==(const Both&) const = default;
};

Both both_of(Session& s) {
  return s.with_target([](Target& t) {
    Both b;
    for (unsigned i = 0; i < 2; ++i) {
      Cpu& c = t.cpu(i);
      for (unsigned k = 0; k < 8; ++k) b.v[i].r[k] = c.s.r[k];
      b.v[i].eip = c.s.eip;
      b.v[i].eflags = c.flags();
      b.v[i].insns = c.s.insns;
      b.v[i].cycles = c.s.cycles;
    }
    return b;
  });
}

std::string show(const Both& b) {
  std::string t;
  for (unsigned i = 0; i < 2; ++i)
    t += "vcpu " + std::to_string(i) + ": insns " + std::to_string(b.v[i].insns) + " eip " +
         std::to_string(b.v[i].eip) + " eax " + std::to_string(b.v[i].r[0]) + "; ";
  return t;
}

// Run to the stop after the vcpus kernel's `yields`-th sched_op hypercall once vcpu 1 is up.
void to_a_yield(Session& s, unsigned yields) {
  REQUIRE(s.catch_hypercall(kSchedOp, true));
  unsigned seen = 0;
  for (int k = 0; k < 100000 && seen < yields; ++k) {
    REQUIRE(s.run().why == StopInfo::Why::Event);
    if (both_of(s).v[1].insns > 0) ++seen;
  }
  REQUIRE(seen == yields);
}

// A fresh machine run the same way (the same stops) to `total` instructions in all.
Both fresh_at(uint64_t total) {
  auto s = two_vcpus();
  REQUIRE(s->catch_hypercall(kSchedOp, true));
  s->set_insn_limit(total);
  for (int k = 0; k < 100000; ++k)
    if (s->run().why == StopInfo::Why::Ended) break;
  Both b = both_of(*s);
  REQUIRE(b.v[0].insns + b.v[1].insns == total);
  return b;
}

}  // namespace

TEST_CASE("reverse with two vcpus: stepping back vcpu 1 gives both vcpus' states exactly") {
  auto s = two_vcpus();
  std::string err;
  REQUIRE(s->enable_reverse(7000, err));
  to_a_yield(*s, 2);
  // vcpu 0 yielded: vcpu 1 takes its turn. Step it forward, noting both vcpus each time.
  s->select_vcpu(1);
  constexpr unsigned kFwd = 40;
  std::vector<Both> fwd{both_of(*s)};
  for (unsigned k = 0; k < kFwd; ++k) {
    const StopInfo st = s->run(RunMode::Step);
    REQUIRE(st.why == StopInfo::Why::Step);
    CHECK(st.vcpu == 1);
    fwd.push_back(both_of(*s));
  }
  CHECK(fwd.back().v[1].insns == fwd.front().v[1].insns + kFwd);
  CHECK(fwd.back().v[0] == fwd.front().v[0]);

  // Back over those steps: the forward states in reverse order.
  for (unsigned k = kFwd; k-- > 0;) {
    const StopInfo st = s->reverse_step();
    REQUIRE(st.why == StopInfo::Why::Step);
    CHECK(st.vcpu == 1);
    CHECK(s->vcpu() == 1);
    const Both b = both_of(*s);
    CHECK_MESSAGE(b == fwd[k], "back to " << show(fwd[k]) << " got " << show(b));
    if (!(b == fwd[k])) return;
  }

  // On back past the yield: vcpu 1's previous instructions ran before vcpu 0's turn, so
  // vcpu 0 goes back too. Each point must be the machine a fresh run reaches at that count,
  // with vcpu 1 one instruction fewer each time.
  uint64_t mine = fwd[0].v[1].insns;
  bool crossed = false;
  for (unsigned k = 0; k < 3; ++k) {
    const StopInfo st = s->reverse_step();
    REQUIRE(st.why == StopInfo::Why::Step);
    CHECK(st.vcpu == 1);
    const Both b = both_of(*s);
    CHECK(b.v[1].insns == --mine);
    crossed |= b.v[0].insns != fwd[0].v[0].insns;
    const Both want = fresh_at(b.v[0].insns + b.v[1].insns);
    CHECK_MESSAGE(b == want, "at " << b.v[0].insns + b.v[1].insns << ": " << show(b) << " fresh " << show(want));
  }
  CHECK(crossed);
  // Forward one step of vcpu 1 from here: it runs vcpu 1's next instruction.
  const Both here = both_of(*s);
  REQUIRE(s->run(RunMode::Step).why == StopInfo::Why::Step);
  const Both next = both_of(*s);
  CHECK(next.v[1].insns == here.v[1].insns + 1);
  CHECK(next.v[0] == here.v[0]);
}

TEST_CASE("reverse with two vcpus: reverse continue stops at the previous hit on either vcpu") {
  auto s = two_vcpus();
  std::string err;
  REQUIRE(s->enable_reverse(7000, err));
  to_a_yield(*s, 1);
  const Both first = both_of(*s);
  const uint32_t pc0 = first.v[0].eip;   // vcpu 0 after its sched_op hypercall
  // vcpu 1's spin loop: where it stands after its turn.
  s->select_vcpu(1);
  for (int k = 0; k < 3; ++k) REQUIRE(s->run(RunMode::Step).why == StopInfo::Why::Step);
  const uint32_t pc1 = both_of(*s).v[1].eip;
  to_a_yield(*s, 2);
  s->clear_catches();
  const uint64_t end = s->timeline().now;

  // A breakpoint on vcpu 1's loop: the latest hit is vcpu 1's.
  const int b1 = s->add_breakpoint(pc1);
  StopInfo st = s->reverse_continue();
  CHECK(st.why == StopInfo::Why::Breakpoint);
  CHECK(st.vcpu == 1);
  CHECK(st.pc == pc1);
  CHECK(s->vcpu() == 1);
  CHECK(s->timeline().now < end);
  // Forward again: the next hit is vcpu 1's loop too, later.
  const uint64_t hit1 = s->timeline().now;
  s->remove_breakpoint(b1);

  // A breakpoint where vcpu 0 returns from its hypercalls: the previous hit is vcpu 0's.
  s->add_breakpoint(pc0);
  st = s->reverse_continue();
  CHECK(st.why == StopInfo::Why::Breakpoint);
  CHECK(st.vcpu == 0);
  CHECK(st.pc == pc0);
  CHECK(s->vcpu() == 0);
  CHECK(s->timeline().now < hit1);
  s->clear_breakpoints();
  CHECK(s->reverse_continue().why == StopInfo::Why::HistoryBegin);
  CHECK(s->timeline().now == 0);
  // The timeline goes anywhere, counting both vcpus' instructions.
  s->goto_insn(end);
  CHECK(s->timeline().now == end);
}
