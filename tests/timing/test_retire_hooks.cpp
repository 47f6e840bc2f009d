// The CPU's chain of retire hooks (cpu/cpu.h): every hook sees every retired instruction,
// in rank order and then in the order they were added; removing one leaves the others; the
// timing model, ranked first, has stamped the cycle counter before an observer reads it; and
// the model's state saved and loaded (cpu/timing/ooo_state.cpp) times the rest of a run as the
// uninterrupted model does.
#include <doctest/doctest.h>

#include <cstring>
#include <string>
#include <vector>

#include "cpu/timing/ooo.h"
#include "devices/state_io.h"
#include "frontend/machine.h"

using namespace pvlab;

namespace {

// Notes its name and the instruction's EIP and cycle counter in a shared log.
struct Recorder final : RetireHook {
  Recorder(std::vector<std::string>& log, std::string name) : log(log), name(std::move(name)) {}
  void retired(Cpu& cpu, const Insn&, uint32_t eip) override {
    log.push_back(name + "@" + std::to_string(eip) + ":" + std::to_string(cpu.s.cycles));
    ++count;
  }
  std::vector<std::string>& log;
  std::string name;
  uint64_t count = 0;
};

// mov eax, 1; add eax, 2; imul eax, eax; nop x 40; hlt (interrupts off: the CPU stops).
std::vector<uint8_t> program() {
  std::vector<uint8_t> p(52, 0x90);
  const uint8_t head[] = {0xb8, 1, 0, 0, 0, 0x83, 0xc0, 2, 0x0f, 0xaf, 0xc0};
  std::memcpy(p.data(), head, sizeof head);
  p.back() = 0xf4;
  return p;
}

std::unique_ptr<PcMachine> machine(const std::vector<uint8_t>& prog) {
  auto m = std::make_unique<PcMachine>(MachineConfig{});
  std::string err;
  REQUIRE(m->load_flat(prog, 0x10000, err));
  return m;
}

}  // namespace

TEST_CASE("retire hooks: a chain called in rank order, then in the order added") {
  auto m = machine(program());
  Cpu& cpu = m->cpu();
  std::vector<std::string> log;
  Recorder a(log, "a"), b(log, "b"), first(log, "first");
  CHECK(cpu.retire_hooks() == 0);
  cpu.add_retire_hook(&a);
  cpu.add_retire_hook(&b);
  cpu.add_retire_hook(&first, hook_rank::kTiming);
  cpu.add_retire_hook(&a);   // already there: nothing changes
  CHECK(cpu.retire_hooks() == 3);
  REQUIRE(cpu.run(2) == StopReason::InsnLimit);
  REQUIRE(log.size() == 6);
  for (size_t k = 0; k < 6; k += 3) {
    CHECK(log[k].rfind("first@", 0) == 0);
    CHECK(log[k + 1].rfind("a@", 0) == 0);
    CHECK(log[k + 2].rfind("b@", 0) == 0);
  }
  CHECK(log[0].substr(5) == log[1].substr(1));   // the same instruction, the same cycle
  // Taking one off leaves the others in order; with one left the CPU calls it directly.
  cpu.remove_retire_hook(&a);
  cpu.remove_retire_hook(&a);   // not there: nothing changes
  log.clear();
  cpu.run(1);
  REQUIRE(log.size() == 2);
  CHECK((log[0].rfind("first@", 0) == 0 && log[1].rfind("b@", 0) == 0));
  cpu.remove_retire_hook(&first);
  cpu.run(1);
  CHECK(b.count == 4);
  CHECK(first.count == 3);
  CHECK(a.count == 2);
  cpu.remove_retire_hook(&b);
  CHECK(cpu.retire_hooks() == 0);
  const uint64_t before = cpu.s.insns;
  cpu.run(3);
  CHECK(cpu.s.insns == before + 3);
  CHECK(b.count == 4);
}

TEST_CASE("retire hooks: an observer sees the timing model's cycle stamp") {
  for (const bool observer_first : {true, false}) {
    auto m = machine(program());
    Cpu& cpu = m->cpu();
    std::vector<std::string> log;
    Recorder obs(log, "obs");
    OooModel model{TimingConfig{}};
    // Added before or after the model: the rank puts the model first either way.
    if (observer_first) cpu.add_retire_hook(&obs);
    model.attach(cpu);
    if (!observer_first) cpu.add_retire_hook(&obs);
    m->run(1000);
    REQUIRE(!log.empty());
    CHECK(log.back().substr(log.back().find(':') + 1) == std::to_string(cpu.s.cycles));
    CHECK(obs.count == cpu.s.insns);
    CHECK(model.stats().insns == cpu.s.insns);
    model.detach(cpu);
    CHECK(cpu.retire_hooks() == 1);
    cpu.remove_retire_hook(&obs);
  }
}

TEST_CASE("ooo state: saved mid-run and loaded into a fresh model, the run ends the same") {
  // A loop of loads, stores, a multiply and a branch: caches, predictor and window all matter.
  // mov ecx, 3000; l: mov eax, [0x20000 + ecx*4]; add eax, ecx; imul eax, eax;
  // mov [0x30000 + ecx*4], eax; dec ecx; jnz l; hlt
  const std::vector<uint8_t> prog = {0xb9, 0xb8, 0x0b, 0, 0,                     // mov ecx, 3000
                                     0x8b, 0x04, 0x8d, 0, 0, 2, 0,               // mov eax, [ecx*4+0x20000]
                                     0x01, 0xc8,                                 // add eax, ecx
                                     0x0f, 0xaf, 0xc0,                           // imul eax, eax
                                     0x89, 0x04, 0x8d, 0, 0, 3, 0,               // mov [ecx*4+0x30000], eax
                                     0x49,                                       // dec ecx
                                     0x75, 0xeb,                                 // jnz l
                                     0xf4};
  const TimingConfig cfg;
  auto whole = machine(prog);
  OooModel ref(cfg);
  ref.attach(whole->cpu());
  whole->run(0);
  ref.detach(whole->cpu());
  const uint64_t end_cycles = whole->cpu().s.cycles;
  REQUIRE(ref.stats().insns > 10000);

  auto a = machine(prog);
  OooModel first(cfg);
  first.attach(a->cpu());
  a->run(7001);
  StateWriter mw, tw;
  a->save_state(mw);
  first.save_state(tw);
  first.detach(a->cpu());

  auto b = machine(prog);
  StateReader mr(mw.data());
  REQUIRE(b->load_state(mr));
  std::memcpy(b->ram().ptr(0), a->ram().ptr(0), a->ram().size());
  OooModel second(cfg);
  second.attach(b->cpu());
  StateReader tr(tw.data());
  REQUIRE_MESSAGE(second.load_state(tr, b->cpu()), tr.error());
  CHECK(tr.at_end());
  StateWriter again;
  second.save_state(again);
  CHECK(again.data() == tw.data());   // what was loaded is what was saved
  b->run(0);
  CHECK(b->cpu().s.cycles == end_cycles);
  CHECK(second.stats_text() == ref.stats_text());
  second.detach(b->cpu());

  // A model of another configuration refuses the state, naming what does not fit.
  TimingConfig other = cfg;
  other.l1d.size *= 2;
  OooModel wrong(other);
  auto c = machine(prog);
  wrong.attach(c->cpu());
  StateReader wr(tw.data());
  CHECK_FALSE(wrong.load_state(wr, c->cpu()));
  CHECK(wr.error().find("cache lines") != std::string::npos);
  wrong.detach(c->cpu());
}
