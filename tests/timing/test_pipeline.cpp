// The cycle engine of the timing model (cpu/timing/pipeline.h): small flat programs with
// figures derived from the configuration, the same programs under both engines, and the
// pipeline driven by hand-made instruction streams with its occupancy checked cycle by cycle,
// and the engine's state saved mid-run and loaded (cpu/timing/pipeline_state.cpp).
#include <doctest/doctest.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include "cpu/timing/ooo.h"
#include "cpu/timing/pipeline.h"
#include "devices/state_io.h"
#include "frontend/machine.h"
#include "frontend/timing_setup.h"
#include "tests/timing/flat_timing.h"

using namespace pvlab;
using namespace pvlab::flat_timing;

namespace {

TimingConfig load(const char* file) {
  TimingConfig cfg;
  std::string err;
  REQUIRE_MESSAGE(load_timing_config(kConfigs + file, cfg, err), err);
  return cfg;
}

TimingConfig cycle_engine(TimingConfig cfg) {
  cfg.engine = "cycle";
  return cfg;
}

// A hand-made instruction: an ALU operation reading `src` and writing `dst`.
PipeInsn alu(uint32_t src, uint32_t dst, uint64_t at) {
  PipeInsn p;
  p.src = src;
  p.dst = dst;
  p.fetch_line = p.fetch_pa = at;
  return p;
}

// A load of `addr` into register `dst`.
PipeInsn load_of(uint64_t addr, uint32_t dst, uint64_t at) {
  PipeInsn p = alu(0, dst, at);
  p.exec = false;
  p.nloads = 1;
  p.load_addr[0] = addr;
  return p;
}

}  // namespace

TEST_CASE("timing config: the engine key") {
  TimingConfig c;
  std::string err;
  CHECK(c.engine == "fast");
  REQUIRE(parse_timing_config("[timing]\nengine = cycle\n", "t.ini", c, err));
  CHECK(c.engine == "cycle");
  CHECK_FALSE(parse_timing_config("[timing]\nengine = exact\n", "t.ini", c, err));
  CHECK(err == "t.ini:2: engine = 'exact': expected fast or cycle");
  // The command line's --timing-engine overrides the file.
  TimingOptions o;
  o.mode = "ooo";
  o.engine = "cycle";
  REQUIRE(prepare_timing(o, c, err));
  CHECK(c.engine == "cycle");
  o.engine = "slow";
  CHECK_FALSE(prepare_timing(o, c, err));
  CHECK(err == "--timing-engine slow: expected fast or cycle");
  o.mode = "atomic";
  o.engine = "cycle";
  CHECK_FALSE(prepare_timing(o, c, err));
}

TEST_CASE("cycle engine: dependent chains cost their latency, independent work the core's width") {
  for (const char* file : {"pentium-m.ini", "skylake.ini"}) {
    CAPTURE(file);
    const TimingConfig cfg = cycle_engine(load(file));
    CHECK(marginal({0x83, 0xc0, 0x01}, 1, cfg) == double(cfg.alu_latency));
    CHECK(marginal({0x0f, 0xaf, 0xc0}, 1, cfg) == double(cfg.mul_latency));
    const double ipc = std::min({cfg.fetch_width, cfg.issue_width, cfg.retire_width, cfg.alu_units, 6u});
    CHECK(marginal({0x83, 0xc0, 0x01, 0x83, 0xc3, 0x01, 0x83, 0xc1, 0x01, 0x83, 0xc2, 0x01,
                    0x83, 0xc6, 0x01, 0x83, 0xc7, 0x01}, 6, cfg) == doctest::Approx(1.0 / ipc));
    // A counter in memory: each load takes the previous store's data.
    const double per_round = 3 * marginal({0xa1, 0x00, 0x30, 0x00, 0x00, 0x83, 0xc0, 0x01,
                                           0xa3, 0x00, 0x30, 0x00, 0x00}, 3, cfg);
    CHECK(per_round == doctest::Approx(1 + cfg.l1d.latency + cfg.alu_latency));
  }
}

TEST_CASE("cycle engine: the cycle counter is the engine's, the CPI stack adds up to it, runs repeat") {
  const TimingConfig cfg = cycle_engine(warm(TimingConfig{}));
  std::vector<uint8_t> p = {0x31, 0xc9};
  for (int k = 0; k < 300; ++k)
    p.insert(p.end(), {0x0f, 0xaf, 0xc0, 0x83, 0xc3, 0x01, 0x8b, 0x15, 0x00, 0x20, 0x00, 0x00, 0x90});
  p.push_back(0xf4);
  const Timed a = run_timed(p, cfg), b = run_timed(p, cfg);
  CHECK(a.cycles == b.cycles);
  CHECK(a.insns == 1 + 4 * 300 + 1);
  CHECK(a.st.insns == a.insns);
  CHECK(a.st.cycles == a.cycles);
  CHECK(a.cycles >= 300u * cfg.mul_latency);
  CHECK(a.cycles < 300u * cfg.mul_latency + 400);
  CHECK(a.st.cpi[size_t(CpiCause::Exec)] >= 300u * (cfg.mul_latency - 2));
  CHECK(a.st.loads == 300);
  CHECK(a.st.l1d_misses == 1);
  // The fast engine agrees within a few cycles on this chain-bound program.
  TimingConfig fast = cfg;
  fast.engine = "fast";
  const Timed f = run_timed(p, fast);
  CHECK(double(a.cycles) == doctest::Approx(double(f.cycles)).epsilon(0.02));
}

TEST_CASE("cycle engine: hypervisor entries cost their configured cycles") {
  TimingConfig cfg = cycle_engine(warm(TimingConfig{}));
  cfg.hv_entry = 300;
  cfg.hv_exit = 200;
  MachineConfig mc;
  PcMachine m(mc);
  std::string err;
  REQUIRE(m.load_flat(repeat({0x90}, 50), 0x10000, err));
  PipelineModel model(cfg);
  model.attach(m.cpu());
  m.run(20);
  const uint64_t before = m.cpu().s.cycles;
  model.hv_enter(m.cpu(), HvEntry::Exception, 0);
  model.hv_exit(m.cpu(), false);
  CHECK(m.cpu().s.cycles == before + 500);
  m.run(10'000'000);
  model.detach(m.cpu());
  const TimingStats st = model.stats();
  CHECK(st.cpi[size_t(CpiCause::Hypervisor)] == 500);
  CHECK(st.hv_entries == 1);
  CHECK(st.cycles == m.cpu().s.cycles);
}

TEST_CASE("cycle engine by hand: loads missing to memory fill the reorder buffer, then the load queue") {
  TimingConfig cfg;
  cfg.rob_size = 16;
  cfg.lq_size = 64;
  cfg.mem_latency = 100;
  cfg.l1d_mshrs = cfg.l2_mshrs = 64;   // misses limited by the window, not by miss registers
  cfg.l1d_prefetch = 0;
  PipelineModel pipe(cfg);
  uint32_t max_rob = 0, max_lq = 0, full_cycles = 0, over = 0;
  uint64_t mem_cycles = 0, icache_cycles = 0;
  pipe.set_cycle_observer([&](uint64_t, const PipelineModel::Occupancy& o) {
    max_rob = std::max(max_rob, o.rob);
    max_lq = std::max(max_lq, o.lq);
    full_cycles += o.rob == cfg.rob_size;
    over += o.retired > cfg.retire_width || o.dispatched > cfg.issue_width || o.fetchq > 2 * cfg.fetch_width;
    mem_cycles += o.charged == CpiCause::DCacheMem;
    icache_cycles += o.charged == CpiCause::ICache;
  });
  pipe.start(0);
  // 64 independent loads, each of its own line: all miss to memory, all can overlap.
  for (uint32_t k = 0; k < 64; ++k) pipe.feed(load_of(0x100000 + 64 * k, 1u << (k % 8), 0x1000));
  pipe.drain();
  CHECK(max_rob == cfg.rob_size);   // the window fills ...
  CHECK(full_cycles > 3 * cfg.mem_latency / 2);   // ... and stays full while the misses are out
  CHECK(max_lq == cfg.rob_size);
  CHECK(over == 0);
  // The code's line misses L1I (a memory latency), then four windows of 16 overlapping
  // misses: about four memory latencies, not 64.
  CHECK(icache_cycles >= cfg.mem_latency - cfg.l1i.latency);
  CHECK(icache_cycles <= cfg.mem_latency);
  CHECK(pipe.cycle() >= 5 * cfg.mem_latency - 1);
  CHECK(pipe.cycle() < 5 * cfg.mem_latency + 40);
  // Every other cycle but the 64 that retire a load and the few that fill the pipe waits
  // for memory.
  CHECK(mem_cycles + icache_cycles + 64 + 4 >= pipe.cycle());
  const TimingStats st = pipe.stats();
  CHECK(st.l1d_misses == 64);
  CHECK(st.cycles == pipe.cycle());

  // With a load queue of 4 the loads queue for it instead: 16 rounds of the latency.
  cfg.lq_size = 4;
  PipelineModel narrow(cfg);
  uint32_t narrow_lq = 0, narrow_rob = 0;
  narrow.set_cycle_observer([&](uint64_t, const PipelineModel::Occupancy& o) {
    narrow_lq = std::max(narrow_lq, o.lq);
    narrow_rob = std::max(narrow_rob, o.rob);
  });
  narrow.start(0);
  for (uint32_t k = 0; k < 64; ++k) narrow.feed(load_of(0x100000 + 64 * k, 1u << (k % 8), 0x1000));
  narrow.drain();
  CHECK(narrow_lq == 4);
  CHECK(narrow_rob == 4);
  CHECK(narrow.cycle() >= 17 * cfg.mem_latency - 1);

  // With the window back and 4 L1D miss registers, the misses queue for them instead: 16
  // rounds of the latency, and the engine counts the waits.
  cfg.lq_size = 64;
  cfg.l1d_mshrs = 4;
  PipelineModel regs(cfg);
  regs.start(0);
  for (uint32_t k = 0; k < 64; ++k) regs.feed(load_of(0x100000 + 64 * k, 1u << (k % 8), 0x1000));
  regs.drain();
  CHECK(regs.cycle() >= 17 * cfg.mem_latency - 1);
  CHECK(regs.cycle() < 17 * cfg.mem_latency + 40);
  CHECK(regs.stats().mshr_full > 0);
}

TEST_CASE("cycle engine by hand: the stride prefetcher runs ahead of a stream of loads") {
  TimingConfig cfg;
  cfg.mem_latency = 100;
  cfg.l2.latency = cfg.l1i.latency;
  uint64_t cycles[2] = {};
  TimingStats st[2];
  for (int on = 0; on < 2; ++on) {
    cfg.l1d_prefetch = uint32_t(on);
    PipelineModel pipe(cfg);
    pipe.start(0);
    // One load instruction (one address) walking lines in order, each reading the one before.
    for (uint32_t k = 0; k < 64; ++k) {
      PipeInsn p = load_of(0x200000 + 64 * k, 1, 0x1000);
      p.addr_regs = 1;
      pipe.feed(p);
    }
    pipe.drain();
    cycles[on] = pipe.cycle();
    st[on] = pipe.stats();
  }
  CHECK(st[0].prefetches == 0);
  CHECK(st[1].prefetches > 32);
  CHECK(st[1].prefetches_useful > 32);
  CHECK(cycles[1] * 2 < cycles[0]);
}

TEST_CASE("cycle engine by hand: a micro-op waits for every one of its sources, however many") {
  // Nine producers, one per register and the flags, the slowest a division writing register
  // 7; then an instruction whose work reads all nine and a load (ten sources), and a store of
  // all nine through three address registers (twelve).
  TimingConfig cfg;
  cfg.div_latency = 40;
  cfg.l2.latency = cfg.mem_latency = cfg.l1i.latency;   // no fetch or load misses
  for (bool store : {false, true}) {
    CAPTURE(store);
    PipelineModel pipe(cfg);
    uint64_t last_issue = 0, cycle = 0;
    pipe.set_cycle_observer([&](uint64_t c, const PipelineModel::Occupancy& o) {
      if (o.issued) last_issue = c;
      cycle = c;
    });
    pipe.start(0);
    PipeInsn div = alu(0, 1u << 7, 0x1000);
    div.cls = ExecClass::Div;
    pipe.feed(div);
    for (unsigned r = 0; r <= kFlagsBit; ++r)
      if (r != 7) pipe.feed(alu(0, 1u << r, 0x1000));
    PipeInsn wide = alu(0x1ff, 0, 0x1000);
    if (store) {
      wide.exec = false;
      wide.nstores = 1;
      wide.store_addr[0] = 0x200000;
      wide.addr_regs = (1u << 3) | (1u << 6) | (1u << 4);
    } else {
      wide.dst = 1u << 0;
      wide.nloads = 1;
      wide.load_addr[0] = 0x200000;
      wide.addr_regs = 1u << 3;
    }
    pipe.feed(wide);
    pipe.drain();
    // Its last micro-op issues once the division is done, not with the quick producers.
    CHECK(last_issue >= cfg.div_latency);
    CHECK(cycle >= last_issue);
  }
}

TEST_CASE("cycle engine by hand: a dependent chain issues one per latency, a mispredicted branch stops fetch") {
  TimingConfig cfg;
  cfg.mul_latency = 5;
  cfg.l2.latency = cfg.mem_latency = cfg.l1i.latency;   // no fetch misses
  PipelineModel pipe(cfg);
  std::vector<PipelineModel::Occupancy> trace;
  pipe.set_cycle_observer([&](uint64_t, const PipelineModel::Occupancy& o) { trace.push_back(o); });
  pipe.start(0);
  // Ten multiplies, each reading the one before (register 0).
  for (int k = 0; k < 10; ++k) {
    PipeInsn p = alu(1, 1, 0x1000);
    p.cls = ExecClass::Mul;
    pipe.feed(p);
  }
  pipe.drain();
  uint32_t issued = 0, rs_max = 0;
  for (const auto& o : trace) issued += o.issued, rs_max = std::max(rs_max, o.rs);
  CHECK(issued == 10);
  CHECK(rs_max >= 8);   // they wait in the reservation stations for each other
  const uint64_t chain = pipe.cycle();
  CHECK(chain >= 10u * cfg.mul_latency);
  CHECK(chain <= 10u * cfg.mul_latency + 4);   // fetch, dispatch, retire of the first

  // A mispredicted branch: nothing after it is fetched until it has executed and the
  // penalty has passed.
  PipelineModel br(cfg);
  std::vector<PipelineModel::Occupancy> t2;
  br.set_cycle_observer([&](uint64_t, const PipelineModel::Occupancy& o) { t2.push_back(o); });
  br.start(0);
  PipeInsn b = alu(1u << kFlagsBit, 0, 0x1000);
  b.cls = ExecClass::Branch;
  b.branch = b.taken = true;
  b.pred = Prediction::Mispredict;
  br.feed(b);
  const uint64_t at_branch = br.cycle();
  br.feed(alu(1, 1, 0x2000));
  const uint64_t after = br.cycle();
  // Branch fetched at 0, dispatched and issued at 1, resolved at 2: the next instruction is
  // fetched mispredict_penalty - 1 cycles later and enters the window the cycle after.
  CHECK(at_branch == 0);
  CHECK(after == 2 + cfg.mispredict_penalty - 1);
  br.drain();
  uint64_t charged = 0;
  for (const auto& o : t2) charged += o.charged == CpiCause::Branch;
  CHECK(charged >= cfg.mispredict_penalty - 1);
}

namespace {

// A loop of loads, stores, a multiply, branches and, every 8th round, CPUID (serialising: the
// window drains behind it and fetch waits for it):
// mov esi, 3000; l: mov eax, [0x20000 + esi*4]; add eax, esi; imul eax, eax;
// mov [0x30000 + esi*4], eax; test esi, 7; jnz s; cpuid; s: dec esi; jnz l; hlt
const std::vector<uint8_t> kStateLoop = {0xbe, 0xb8, 0x0b, 0, 0,              // mov esi, 3000
                                         0x8b, 0x04, 0xb5, 0, 0, 2, 0,        // mov eax, [esi*4+0x20000]
                                         0x01, 0xf0,                          // add eax, esi
                                         0x0f, 0xaf, 0xc0,                    // imul eax, eax
                                         0x89, 0x04, 0xb5, 0, 0, 3, 0,        // mov [esi*4+0x30000], eax
                                         0xf7, 0xc6, 7, 0, 0, 0,              // test esi, 7
                                         0x75, 0x02,                          // jnz s
                                         0x0f, 0xa2,                          // cpuid
                                         0x4e,                                // s: dec esi
                                         0x75, 0xe0,                          // jnz l
                                         0xf4};
constexpr uint32_t kAfterCpuid = 0x10000 + 34;

std::unique_ptr<PcMachine> flat_machine(const std::vector<uint8_t>& prog) {
  MachineConfig mc;
  mc.ram_bytes = 1u << 20;   // the loop's data ends below 0x40000
  auto m = std::make_unique<PcMachine>(mc);
  std::string err;
  REQUIRE(m->load_flat(prog, 0x10000, err));
  return m;
}

// The cycle engine's state after `n` instructions of kStateLoop, with the machine's.
struct Cut {
  std::vector<uint8_t> machine, engine, ram;
  uint32_t eip = 0;
  uint32_t rob = 0;   // micro-ops in the reorder buffer at the last cycle
};

Cut cut_at(const TimingConfig& cfg, uint64_t n) {
  auto a = flat_machine(kStateLoop);
  PipelineModel pipe(cfg);
  Cut c;
  pipe.set_cycle_observer([&](uint64_t, const PipelineModel::Occupancy& o) { c.rob = o.rob; });
  pipe.attach(a->cpu());
  a->run(n);
  StateWriter mw, tw;
  a->save_state(mw);
  pipe.save_state(tw);
  pipe.detach(a->cpu());
  c.machine = mw.take();
  c.engine = tw.take();
  c.ram.assign(a->ram().ptr(0), a->ram().ptr(0) + a->ram().size());
  c.eip = a->cpu().s.eip;
  return c;
}

// A machine restored from `c`, with `engine` attached to it and given the cut's engine state
// (or `blob`): the load's result and error.
bool restore(const Cut& c, PcMachine& m, TimingEngine& engine, const std::vector<uint8_t>& blob, std::string& err) {
  StateReader mr(c.machine);
  REQUIRE(m.load_state(mr));
  std::memcpy(m.ram().ptr(0), c.ram.data(), c.ram.size());
  engine.attach(m.cpu());
  StateReader tr(blob);
  const bool ok = engine.load_state(tr, m.cpu()) && tr.at_end();
  err = tr.error();
  return ok;
}

}  // namespace

TEST_CASE("cycle engine state: saved mid-run with work in flight and loaded into a fresh engine, the run ends the same") {
  const TimingConfig cfg = cycle_engine(TimingConfig{});
  auto whole = flat_machine(kStateLoop);
  PipelineModel ref(cfg);
  ref.attach(whole->cpu());
  whole->run(0);
  ref.detach(whole->cpu());
  const uint64_t end_cycles = whole->cpu().s.cycles;
  REQUIRE(ref.stats().insns > 24000);
  REQUIRE(ref.stats().serializing > 300);

  // Cuts at 90 instructions in a row: every place in the loop, among them right after CPUID
  // (fetch waits on a serialising instruction that has retired) and with the window full.
  unsigned after_cpuid = 0, in_flight = 0;
  for (uint64_t n = 7001; n <= 7090; ++n) {
    CAPTURE(n);
    const Cut c = cut_at(cfg, n);
    after_cpuid += c.eip == kAfterCpuid;
    in_flight += c.rob > 0;
    auto b = flat_machine(kStateLoop);
    PipelineModel second(cfg);
    std::string err;
    REQUIRE_MESSAGE(restore(c, *b, second, c.engine, err), err);
    StateWriter again;
    second.save_state(again);
    CHECK(again.data() == c.engine);   // what was loaded is what was saved
    b->run(0);
    CHECK(b->cpu().s.cycles == end_cycles);
    CHECK(second.stats_text() == ref.stats_text());
    second.detach(b->cpu());
  }
  CHECK(after_cpuid >= 1);
  CHECK(in_flight >= 80);
}

TEST_CASE("cycle engine state: a truncated, corrupt, other engine's or other configuration's state is refused") {
  const TimingConfig cfg = cycle_engine(TimingConfig{});
  const Cut c = cut_at(cfg, 7003);
  REQUIRE(c.rob > 0);
  auto m = flat_machine(kStateLoop);
  const auto refused = [&](const std::vector<uint8_t>& blob, TimingEngine& engine) {
    std::string err;
    const bool ok = restore(c, *m, engine, blob, err);
    engine.detach(m->cpu());
    return ok ? std::string() : err.empty() ? std::string("(no error)") : err;
  };
  // Cut short anywhere: refused as truncated.
  for (size_t len : {size_t(0), size_t(3), c.engine.size() / 3, c.engine.size() / 2, c.engine.size() - 1}) {
    CAPTURE(len);
    PipelineModel e(cfg);
    CHECK(refused({c.engine.begin(), c.engine.begin() + long(len)}, e).find("truncated") != std::string::npos);
  }
  // The positions in the rings follow the caches and the predictor (BPRD: BTB, counters,
  // history, return stack, its pointers and 8 counts).
  const auto u32_at = [&](size_t k) {
    uint32_t v;
    std::memcpy(&v, &c.engine[k], 4);
    return size_t(v);
  };
  size_t pos = 0;
  for (size_t k = 0; k + 4 <= c.engine.size() && !pos; ++k)
    if (std::memcmp(&c.engine[k], "BPRD", 4) == 0) pos = k;
  REQUIRE(pos > 0);
  pos += 4;
  pos += 4 + 8 * u32_at(pos);   // BTB
  pos += 4 + u32_at(pos);       // counters
  pos += 4;                     // history
  pos += 4 + 4 * u32_at(pos);   // return stack
  pos += 8 + 8 * 8;
  const auto with = [&](size_t at, uint64_t v, unsigned width) {
    std::vector<uint8_t> b = c.engine;
    std::memcpy(&b[at], &v, width);
    return b;
  };
  uint64_t now, head, tail;
  std::memcpy(&now, &c.engine[pos], 8);
  std::memcpy(&head, &c.engine[pos + 16], 8);
  std::memcpy(&tail, &c.engine[pos + 32], 8);
  REQUIRE(tail > head);
  CHECK(now > 7003);
  {
    PipelineModel e(cfg);
    CHECK(refused(with(pos + 32, head + 100000, 8), e).find("beyond the instruction ring") != std::string::npos);
  }
  {
    PipelineModel e(cfg);   // the first instruction's execution class (after its three masks)
    CHECK(refused(with(pos + 56 + 12, 0x77, 1), e).find("execution class") != std::string::npos);
  }
  {
    PipelineModel e(cfg);   // its registers
    CHECK(refused(with(pos + 56, 1u << 12, 4), e).find("register") != std::string::npos);
  }
  // Any byte of the in-flight part flipped: loaded or refused, never a crash.
  unsigned refusals = 0;
  for (size_t k = pos; k < std::min(pos + 1500, c.engine.size()); ++k) {
    std::vector<uint8_t> b = c.engine;
    b[k] ^= 0xa5;
    PipelineModel e(cfg);
    refusals += !refused(b, e).empty();
  }
  CHECK(refusals > 300);
  // The other engine's state, either way round, is refused naming it.
  {
    auto a = flat_machine(kStateLoop);
    TimingConfig fast_cfg = cfg;
    fast_cfg.engine = "fast";
    OooModel fast(fast_cfg);
    fast.attach(a->cpu());
    a->run(7003);
    StateWriter w;
    fast.save_state(w);
    fast.detach(a->cpu());
    PipelineModel e(cfg);
    CHECK(refused(w.data(), e).find("written by the fast engine") != std::string::npos);
    OooModel o(fast_cfg);
    CHECK(refused(c.engine, o).find("written by the cycle engine") != std::string::npos);
  }
  // An engine of another configuration refuses it, naming what does not fit.
  TimingConfig other = cfg;
  other.l1d.size *= 2;
  PipelineModel wrong(other);
  CHECK(refused(c.engine, wrong).find("cache lines") != std::string::npos);
  other = cfg;
  other.div_units += 1;
  PipelineModel wrong_div(other);
  CHECK(refused(c.engine, wrong_div).find("dividers") != std::string::npos);
}
