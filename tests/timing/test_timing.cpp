// The timing model's parts (cpu/timing/): the configuration reader, the caches, the branch
// predictor, and the out-of-order model on small flat programs with figures derived from
// the configuration.
#include <doctest/doctest.h>

#include <cstring>
#include <vector>

#include "cpu/timing/bpred.h"
#include "cpu/timing/cache.h"
#include "cpu/timing/config.h"
#include "cpu/timing/mshr.h"
#include "cpu/timing/prefetch.h"
#include "cpu/timing/ooo.h"
#include "frontend/machine.h"
#include "tests/timing/flat_timing.h"

using namespace pvlab;
using namespace pvlab::flat_timing;

namespace {

std::string parse_error(const std::string& text) {
  TimingConfig c;
  std::string err;
  CHECK_FALSE(parse_timing_config(text, "t.ini", c, err));
  return err;
}

}  // namespace

TEST_CASE("timing config: the shipped Pentium M file is the built-in default") {
  TimingConfig file, def;
  std::string err;
  REQUIRE_MESSAGE(load_timing_config(kConfigs + "pentium-m.ini", file, err), err);
  CHECK(file.name == "pentium-m");
  CHECK(file.fetch_width == def.fetch_width);
  CHECK(file.issue_width == def.issue_width);
  CHECK(file.retire_width == def.retire_width);
  CHECK(file.rob_size == def.rob_size);
  CHECK(file.rs_size == def.rs_size);
  CHECK(file.lq_size == def.lq_size);
  CHECK(file.sq_size == def.sq_size);
  CHECK(file.alu_units == def.alu_units);
  CHECK(file.mul_latency == def.mul_latency);
  CHECK(file.div_latency == def.div_latency);
  CHECK(file.l1d.size == def.l1d.size);
  CHECK(file.l1d.latency == def.l1d.latency);
  CHECK(file.l1i.size == def.l1i.size);
  CHECK(file.l2.size == def.l2.size);
  CHECK(file.l2.latency == def.l2.latency);
  CHECK(file.mem_latency == def.mem_latency);
  CHECK(file.btb_entries == def.btb_entries);
  CHECK(file.history_bits == def.history_bits);
  CHECK(file.pht_entries == def.pht_entries);
  CHECK(file.ras_entries == def.ras_entries);
  CHECK(file.mispredict_penalty == def.mispredict_penalty);
  CHECK(file.btb_miss_penalty == def.btb_miss_penalty);
  CHECK(file.walk_cycles_per_level == def.walk_cycles_per_level);
  CHECK(file.dtlb_sets == def.dtlb_sets);
  CHECK(file.itlb_sets == def.itlb_sets);
  CHECK(file.walk_caches == def.walk_caches);
  CHECK(file.l1d_mshrs == def.l1d_mshrs);
  CHECK(file.l2_mshrs == def.l2_mshrs);
  CHECK(file.l1d_prefetch == def.l1d_prefetch);
  CHECK(file.l1d_prefetch_degree == def.l1d_prefetch_degree);
}

TEST_CASE("timing config: the Skylake file reads and differs where it should") {
  TimingConfig c;
  std::string err;
  REQUIRE_MESSAGE(load_timing_config(kConfigs + "skylake.ini", c, err), err);
  CHECK(c.name == "skylake");
  CHECK(c.issue_width == 4);
  CHECK(c.rob_size == 224);
  CHECK(c.l2.size == 256u * 1024);
  CHECK(c.l2.assoc == 4);
}

TEST_CASE("timing config: bad files get errors naming the file, the line and the key") {
  CHECK(parse_error("[timing]\nbogus = 1\n") == "t.ini:2: unknown key 'bogus' in [timing]");
  CHECK(parse_error("[timing]\nrob_size = lots\n") == "t.ini:2: rob_size = 'lots': not a number");
  CHECK(parse_error("; c\n[timing]\n\nrob_size = 0\n") == "t.ini:4: rob_size = 0: out of range 1..1024");
  CHECK(parse_error("[timing]\nl1d_size = 3000\n").find("l1d_size must be a multiple") != std::string::npos);
  CHECK(parse_error("[timing]\npht_entries = 1000\n") == "t.ini: pht_entries must be a power of two");
  CHECK(parse_error("[timing\n").find("t.ini:1:") == 0);
  TimingConfig c;
  std::string err;
  CHECK_FALSE(load_timing_config("/nonexistent/x.ini", c, err));
  CHECK(err == "/nonexistent/x.ini: cannot open file");
  // Other sections belong to others; keys keep their defaults when absent.
  REQUIRE(parse_timing_config("[other]\nx = 1\n[timing]\nrob_size = 0x40\nl2_size = 1M\n", "t", c, err));
  CHECK(c.rob_size == 64);
  CHECK(c.l2.size == 1u << 20);
  CHECK(c.issue_width == 3);
}

TEST_CASE("timing cache: LRU within a set") {
  TimingCache c({128, 2, 32, 1});   // 2 sets of 2 ways, 32-byte lines
  CHECK_FALSE(c.access(0x000));     // set 0: A
  CHECK_FALSE(c.access(0x040));     // set 0: B
  CHECK(c.access(0x01f));           // A again (same line): A most recent
  CHECK_FALSE(c.access(0x080));     // set 0: C evicts B, the least recently used
  CHECK(c.access(0x000));
  CHECK_FALSE(c.access(0x040));     // B was evicted; now evicts C
  CHECK_FALSE(c.access(0x080));
  CHECK_FALSE(c.access(0x020));     // set 1 is separate
  CHECK(c.hits() == 2);
  CHECK(c.misses() == 6);
}

TEST_CASE("branch predictor: loops, returns and indirect targets") {
  TimingConfig cfg;
  BranchPredictor bp(cfg);
  // A loop branch taken 15 times then falling through, run 20 times: once learned, only
  // the exits mispredict... with 8 bits of history the exit after 15 takens looks like the
  // takens before it, so it stays the one miss per run.
  unsigned late_misses = 0;
  for (int run = 0; run < 20; ++run)
    for (int i = 0; i < 16; ++i) {
      const bool taken = i < 15;
      Prediction p = bp.resolve(BranchKind::Cond, 0x1000, 2, taken ? 0x0f00 : 0x1002);
      if (run >= 10 && p != Prediction::Correct) ++late_misses;
    }
  CHECK(late_misses == 10);
  // Calls and returns pair up through the return stack.
  CHECK(bp.resolve(BranchKind::Call, 0x2000, 5, 0x3000) == Prediction::BtbMiss);
  CHECK(bp.resolve(BranchKind::Call, 0x3010, 5, 0x4000) == Prediction::BtbMiss);
  CHECK(bp.resolve(BranchKind::Return, 0x4020, 1, 0x3015) == Prediction::Correct);
  CHECK(bp.resolve(BranchKind::Return, 0x3020, 1, 0x2005) == Prediction::Correct);
  CHECK(bp.resolve(BranchKind::Return, 0x3020, 1, 0x2005) == Prediction::Mispredict);  // empty
  // An indirect jump is predicted to go where it went last time.
  CHECK(bp.resolve(BranchKind::IndirectJump, 0x5000, 2, 0x6000) == Prediction::Mispredict);
  CHECK(bp.resolve(BranchKind::IndirectJump, 0x5000, 2, 0x6000) == Prediction::Correct);
  CHECK(bp.resolve(BranchKind::IndirectJump, 0x5000, 2, 0x7000) == Prediction::Mispredict);
  CHECK(bp.stats().return_mispredicts == 1);
  CHECK(bp.stats().target_mispredicts == 2);
}

TEST_CASE("ooo model: dependent chains cost their latency, independent work the core's width") {
  for (const char* file : {"pentium-m.ini", "skylake.ini"}) {
    CAPTURE(file);
    TimingConfig cfg;
    std::string err;
    REQUIRE(load_timing_config(kConfigs + file, cfg, err));
    // add eax, 1: one chain.
    CHECK(marginal({0x83, 0xc0, 0x01}, 1, cfg) == double(cfg.alu_latency));
    // imul eax, eax: one chain on the multiplier.
    CHECK(marginal({0x0f, 0xaf, 0xc0}, 1, cfg) == double(cfg.mul_latency));
    // add to six registers in turn: six chains, limited by the narrowest stage.
    const double ipc = std::min({cfg.fetch_width, cfg.issue_width, cfg.retire_width, cfg.alu_units, 6u});
    CHECK(marginal({0x83, 0xc0, 0x01, 0x83, 0xc3, 0x01, 0x83, 0xc1, 0x01, 0x83, 0xc2, 0x01,
                    0x83, 0xc6, 0x01, 0x83, 0xc7, 0x01}, 6, cfg) == doctest::Approx(1.0 / ipc));
  }
}

TEST_CASE("ooo model: a load of a word an older store writes waits for the store's data") {
  for (const char* file : {"pentium-m.ini", "skylake.ini"}) {
    CAPTURE(file);
    TimingConfig cfg;
    std::string err;
    REQUIRE(load_timing_config(kConfigs + file, cfg, err));
    // mov eax, [0x3000]; add eax, 1; mov [0x3000], eax: a counter in memory. Each load takes
    // the previous store's data (l1d_latency after the store executes, one cycle after the
    // add), so one round costs store + forward + add.
    const double per_round = 3 * marginal({0xa1, 0x00, 0x30, 0x00, 0x00, 0x83, 0xc0, 0x01,
                                           0xa3, 0x00, 0x30, 0x00, 0x00}, 3, cfg);
    CHECK(per_round == doctest::Approx(1 + cfg.l1d.latency + cfg.alu_latency));
  }
}

TEST_CASE("ooo model: the cycle counter is the model's, the CPI stack adds up to it, runs repeat") {
  const TimingConfig cfg = warm(TimingConfig{});
  // xor ecx,ecx; then 300 x (imul eax,eax; add ebx,1; mov edx,[0x2000]; nop)
  std::vector<uint8_t> p = {0x31, 0xc9};
  for (int k = 0; k < 300; ++k)
    p.insert(p.end(), {0x0f, 0xaf, 0xc0, 0x83, 0xc3, 0x01, 0x8b, 0x15, 0x00, 0x20, 0x00, 0x00, 0x90});
  p.push_back(0xf4);
  const Timed a = run_timed(p, cfg), b = run_timed(p, cfg);
  CHECK(a.cycles == b.cycles);
  CHECK(a.insns == 1 + 4 * 300 + 1);
  CHECK(a.st.insns == a.insns);
  CHECK(a.st.cycles == a.cycles);   // machine time started at 0 and followed the model
  uint64_t sum = 0;
  for (uint64_t c : a.st.cpi) sum += c;
  CHECK(sum == a.cycles);
  // The multiply chain bounds the run: 300 multiplies of mul_latency each, plus a little.
  CHECK(a.cycles >= 300u * cfg.mul_latency);
  CHECK(a.cycles < 300u * cfg.mul_latency + 400);
  // Each multiply retires mul_latency cycles after the one before; the instructions retired
  // in between take a cycle of that as base.
  CHECK(a.st.cpi[size_t(CpiCause::Exec)] >= 300u * (cfg.mul_latency - 2));
  CHECK(a.st.cpi[size_t(CpiCause::Exec)] + a.st.cpi[size_t(CpiCause::Base)] >= a.cycles * 95 / 100);
  CHECK(a.st.loads == 300);
  CHECK(a.st.l1d_misses == 1);   // the one line, once
}

TEST_CASE("timing config: hypervisor costs, flush on entry as a boolean") {
  TimingConfig c;
  std::string err;
  REQUIRE_MESSAGE(load_timing_config(kConfigs + "pentium-m.ini", c, err), err);
  const TimingConfig def;
  CHECK(c.hv_entry == def.hv_entry);
  CHECK(c.hv_exit == def.hv_exit);
  CHECK(c.hv_hypercall == def.hv_hypercall);
  CHECK(c.hv_bounce == def.hv_bounce);
  CHECK(c.hv_flush_on_entry == 0);
  REQUIRE(parse_timing_config("[timing]\nhv_entry = 7\nhv_flush_on_entry = true\n", "t", c, err));
  CHECK(c.hv_entry == 7);
  CHECK(c.hv_flush_on_entry == 1);
  REQUIRE(parse_timing_config("[timing]\nhv_flush_on_entry = false\n", "t", c, err));
  CHECK(c.hv_flush_on_entry == 0);
  CHECK(parse_error("[timing]\nhv_entry = true\n") == "t.ini:2: hv_entry = 'true': not a number");
  CHECK(parse_error("[timing]\nhv_flush_on_entry = 2\n") == "t.ini:2: hv_flush_on_entry = 2: out of range 0..1");
}

TEST_CASE("function map: addresses to the function holding them") {
  FunctionMap m({{0x3000, 0x3010, "c"}, {0x1000, 0x1100, "a"}, {0x1080, 0x1090, "inside"}, {0x2000, 0x2000, "empty"}});
  REQUIRE(m.size() == 2);   // the overlapping and the empty range are dropped
  CHECK(m.find(0xfff) == -1);
  CHECK(m.at(size_t(m.find(0x1000))).name == "a");
  CHECK(m.at(size_t(m.find(0x10ff))).name == "a");
  CHECK(m.find(0x1100) == -1);
  CHECK(m.at(size_t(m.find(0x300f))).name == "c");
  CHECK(m.find(0x3010) == -1);
}

TEST_CASE("ooo model: hypervisor entries cost their configured cycles, flushes make the TLB miss") {
  TimingConfig cfg = warm(TimingConfig{});
  cfg.hv_entry = 300;
  cfg.hv_exit = 200;
  cfg.hv_hypercall = 50;
  cfg.hv_bounce = 25;
  MachineConfig mc;
  PcMachine m(mc);
  std::string err;
  REQUIRE(m.load_flat(repeat({0x90}, 50), 0x10000, err));
  OooModel model(cfg);
  model.attach(m.cpu());
  m.run(20);
  const uint64_t before = m.cpu().s.cycles;
  model.hv_enter(m.cpu(), HvEntry::Hypercall, 1);
  model.hv_exit(m.cpu(), true);
  model.hv_enter(m.cpu(), HvEntry::Exception, 0);
  model.hv_exit(m.cpu(), false);
  CHECK(m.cpu().s.cycles == before + 300 + 50 + 200 + 25 + 300 + 200);
  m.run(10'000'000);
  model.detach(m.cpu());
  const TimingStats st = model.stats();
  CHECK(st.cpi[size_t(CpiCause::Hypervisor)] == 300 + 50 + 200 + 25 + 300 + 200);
  CHECK(st.hv_entries == 2);
  CHECK(st.hv_hypercalls == 1);
  CHECK(st.hv_bounces == 1);
  CHECK(st.cycles == m.cpu().s.cycles);
  CHECK(model.stats_json().find("\"hypervisor\": 1075") != std::string::npos);

  // With flush on entry the TLBs are empty after an entry.
  cfg.hv_flush_on_entry = 1;
  OooModel flushing(cfg);
  flushing.attach(m.cpu());
  const uint64_t fl = m.cpu().mmu().dtlb().stats().flushes;
  flushing.hv_enter(m.cpu(), HvEntry::Interrupt, 0);
  CHECK(m.cpu().mmu().dtlb().stats().flushes > fl);
  CHECK(m.cpu().mmu().dtlb().valid_entries() == 0);
  CHECK(m.cpu().mmu().itlb().valid_entries() == 0);
  CHECK(flushing.stats().hv_flushes == 1);
  flushing.detach(m.cpu());
}

TEST_CASE("ooo model: with walk_caches a walk whose table entries are cached costs less than one that misses") {
  MachineConfig mc;
  PcMachine m(mc);
  // 2-level tables: the directory at 1 MiB, one page table after it mapping 4 MiB up.
  auto put = [&](paddr_t a, uint32_t v) { std::memcpy(m.ram().ptr(a), &v, 4); };
  put(0x100000 + 1 * 4, 0x101000 | pte::P | pte::RW);
  for (uint32_t k = 0; k < 16; ++k) put(0x101000 + k * 4, (0x200000 + k * 0x1000) | pte::P | pte::RW);
  Mmu& mmu = m.cpu().mmu();
  mmu.regs().cr3 = 0x100000;
  mmu.regs().cr0 |= cr0::PE | cr0::PG;
  uint64_t cycles = 0;
  uint32_t error = 0;
  // The cycles of one walk for `lin` (the TLBs emptied first).
  auto walk = [&](uint32_t lin) {
    mmu.flush(true);
    cycles = 0;
    REQUIRE(mmu.translate(lin, kRead, error) != nullptr);
    return cycles;
  };

  TimingConfig cfg;
  cfg.walk_caches = 1;
  OooModel model(cfg);
  model.attach(m.cpu());
  mmu.set_cycle_counter(&cycles);   // see each walk's price here instead of in the model
  // Cold: both table reads (directory entry, table entry) miss every level.
  const uint64_t cold = walk(0x400000);
  CHECK(cold == 2 * uint64_t(cfg.mem_latency));
  // The same entries again, and a neighbour in the same lines: both reads hit L1D.
  CHECK(walk(0x400000) == 2 * uint64_t(cfg.l1d.latency));
  const uint64_t warm = walk(0x403000);
  CHECK(warm == 2 * uint64_t(cfg.l1d.latency));
  CHECK(warm < cold);
  const TimingStats st = model.stats();
  CHECK(st.walk_reads == 6);
  CHECK(st.walk_l1d_hits == 4);
  CHECK(st.walk_l2_hits == 0);
  model.detach(m.cpu());

  // Without walk_caches (and after detach) a walk costs walk_cycles_per_level per read.
  mmu.set_cycle_counter(&cycles);
  CHECK(walk(0x404000) == 2 * uint64_t(mmu.config().walk_cycles_per_level));
  TimingConfig fixed;
  fixed.walk_caches = 0;
  OooModel plain(fixed);
  plain.attach(m.cpu());
  mmu.set_cycle_counter(&cycles);
  CHECK(walk(0x405000) == 2 * uint64_t(mmu.config().walk_cycles_per_level));
  CHECK(plain.stats().walk_reads == 0);
  plain.detach(m.cpu());
}

TEST_CASE("timing config: walk_caches reads as a boolean") {
  TimingConfig c;
  std::string err;
  CHECK(parse_timing_config("[timing]\nwalk_caches = true\n", "t.ini", c, err));
  CHECK(c.walk_caches == 1);
  CHECK(parse_timing_config("[timing]\nwalk_caches = false\n", "t.ini", c, err));
  CHECK(c.walk_caches == 0);
  CHECK(parse_error("[timing]\nwalk_caches = 2\n").find("walk_caches") != std::string::npos);
}

TEST_CASE("miss registers: a miss merges with its outstanding line, waits when all are busy") {
  MissRegs m(2);
  uint8_t from = 0;
  CHECK(m.free_at(10) == 10);
  m.take(100, 210, 7);
  m.take(101, 215, 8);
  CHECK(m.pending(100, 50, from) == 210);
  CHECK(from == 7);
  CHECK(m.pending(101, 50, from) == 215);
  CHECK(m.pending(102, 50, from) == 0);
  CHECK(m.pending(100, 210, from) == 0);   // arrived
  CHECK(m.free_at(50) == 210);             // both busy: the first to free
  CHECK_FALSE(m.idle_at(50));
  CHECK(m.idle_at(212));
  m.take(102, 410, 7);                     // takes 100's register
  CHECK(m.pending(100, 50, from) == 0);
  CHECK(m.free_at(50) == 215);

  // Saved and loaded: the same answers; a blob for another count is refused by name.
  StateWriter w;
  m.save(w);
  MissRegs back(2);
  StateReader r(w.data());
  REQUIRE(back.load(r));
  CHECK(r.at_end());
  CHECK(back.pending(102, 300, from) == 410);
  CHECK(back.free_at(50) == 215);
  MissRegs other(3);
  StateReader r2(w.data());
  CHECK_FALSE(other.load(r2));
  CHECK(r2.error().find("miss-status register count") != std::string::npos);
}

TEST_CASE("stride prefetcher: a repeated distance is followed, a scattered chase is not") {
  StridePrefetcher pf(2);
  uint64_t out[2];
  CHECK(pf.train(0x1000, 50, out) == 0);   // first sight of this load
  CHECK(pf.train(0x1000, 53, out) == 0);   // a distance, not yet confirmed
  REQUIRE(pf.train(0x1000, 56, out) == 2); // the same distance again
  CHECK(out[0] == 59);
  CHECK(out[1] == 62);
  // Another load keeps its own stream; a descending one works too.
  CHECK(pf.train(0x2000, 900, out) == 0);
  CHECK(pf.train(0x2000, 899, out) == 0);
  REQUIRE(pf.train(0x2000, 898, out) == 2);
  CHECK(out[0] == 897);
  // Scattered lines never repeat a distance.
  unsigned fired = 0;
  uint64_t x = 12345;
  for (int k = 0; k < 1000; ++k) {
    x = x * 6364136223846793005ull + 1442695040888963407ull;
    fired += pf.train(0x3004, (x >> 33) & 0xfffff, out);
  }
  CHECK(fired == 0);
  // Prefetched lines are counted once, on their first use.
  pf.mark(59);
  CHECK_FALSE(pf.use(60));
  CHECK(pf.use(59));
  CHECK_FALSE(pf.use(59));
  // Save and load keep the streams.
  StateWriter w;
  pf.save(w);
  StridePrefetcher back(2);
  StateReader r(w.data());
  REQUIRE(back.load(r));
  CHECK(r.at_end());
  REQUIRE(back.train(0x1000, 59, out) == 2);
  CHECK(out[0] == 62);
}

namespace {
// mov esi, 0x200000; mov ecx, iters; loop: 16 x mov eax, [esi + 64 k]; add esi, 1024; dec ecx;
// jnz loop; hlt. Independent loads, each to a line nothing touched before. `dependent`: each
// load is mov eax, [esi + eax + 64 k] instead (memory holds zeros: the same lines, but each
// address waits for the load before).
std::vector<uint8_t> load_stream(uint32_t iters, bool dependent = false) {
  auto imm = [](std::vector<uint8_t>& p, uint32_t v) {
    for (int i = 0; i < 4; ++i) p.push_back(uint8_t(v >> (8 * i)));
  };
  std::vector<uint8_t> p = {0xbe};
  imm(p, 0x200000);
  p.push_back(0xb9);
  imm(p, iters);
  const size_t loop = p.size();
  for (uint32_t k = 0; k < 16; ++k) {
    if (dependent) p.insert(p.end(), {0x8b, 0x84, 0x06});
    else p.insert(p.end(), {0x8b, 0x86});
    imm(p, 64 * k);
  }
  p.insert(p.end(), {0x81, 0xc6});
  imm(p, 1024);
  p.push_back(0x49);
  p.push_back(0x75);
  p.push_back(uint8_t(int8_t(loop - (p.size() + 1))));
  p.push_back(0xf4);
  return p;
}
}  // namespace

TEST_CASE("ooo model: independent misses overlap up to the miss registers, loads to an outstanding line merge") {
  for (const char* file : {"pentium-m.ini", "skylake.ini"}) {
    CAPTURE(file);
    TimingConfig cfg;
    std::string err;
    REQUIRE(load_timing_config(kConfigs + file, cfg, err));
    cfg.l1d_prefetch = 0;
    const Timed a = run_timed(load_stream(32), cfg), b = run_timed(load_stream(64), cfg);
    const double per_load = double(b.cycles - a.cycles) / (32 * 16);
    const uint32_t mlp = std::min({cfg.l1d_mshrs, cfg.l2_mshrs, cfg.lq_size});
    CHECK(per_load == doctest::Approx(double(cfg.mem_latency) / mlp).epsilon(0.01));
    CHECK(b.st.mshr_full > 0);
    // One register: the misses go one at a time, as a dependent chase's do.
    TimingConfig one = cfg;
    one.l1d_mshrs = 1;
    const Timed c = run_timed(load_stream(32), one), d = run_timed(load_stream(64), one);
    CHECK(double(d.cycles - c.cycles) / (32 * 16) == doctest::Approx(cfg.mem_latency).epsilon(0.01));
  }
  // mov eax, [0x200000]; mov ebx, [0x200004]; hlt: the second load finds the line on its way.
  TimingConfig cfg;
  const Timed m = run_timed({0xa1, 0x00, 0x00, 0x20, 0x00, 0x8b, 0x1d, 0x04, 0x00, 0x20, 0x00, 0xf4}, cfg);
  CHECK(m.st.mshr_merges == 1);
  CHECK(m.st.l1d_misses == 1);
}

TEST_CASE("ooo model: the stride prefetcher hides a dependent stream's misses and counts its useful lines") {
  TimingConfig on;
  on.l1d_prefetch = 1;
  TimingConfig off = on;
  off.l1d_prefetch = 0;
  const Timed a_on = run_timed(load_stream(32, true), on), b_on = run_timed(load_stream(64, true), on);
  const Timed a_off = run_timed(load_stream(32, true), off), b_off = run_timed(load_stream(64, true), off);
  const double per_on = double(b_on.cycles - a_on.cycles) / (32 * 16);
  const double per_off = double(b_off.cycles - a_off.cycles) / (32 * 16);
  CHECK(per_off == doctest::Approx(off.mem_latency).epsilon(0.01));
  CHECK(b_off.st.prefetches == 0);
  CHECK(b_on.st.prefetches > 0);
  CHECK(b_on.st.prefetches_useful > b_on.st.prefetches * 9 / 10);
  CHECK(b_on.st.prefetches_useful <= b_on.st.prefetches);
  CHECK(b_on.st.l1d_misses < b_off.st.l1d_misses);
  // Faster, but never faster than the miss registers allow.
  CHECK(per_on <= per_off / 2);
  CHECK(per_on >= double(on.mem_latency) / std::min(on.l1d_mshrs, on.l2_mshrs) * 0.99);
  MESSAGE("dependent stream: ", per_off, " cycles per load without the prefetcher, ", per_on, " with it");

  // Independent misses already keep every register busy: prefetches, which only take free
  // registers, find none and change nothing.
  const Timed c_on = run_timed(load_stream(32), on), d_on = run_timed(load_stream(64), on);
  const Timed c_off = run_timed(load_stream(32), off), d_off = run_timed(load_stream(64), off);
  CHECK(d_on.cycles - c_on.cycles == d_off.cycles - c_off.cycles);
}

TEST_CASE("ooo model: miss registers and prefetcher state save and load") {
  TimingConfig cfg;
  OooModel a(cfg);
  StateWriter w;
  a.save_memory(w);
  OooModel b(cfg);
  StateReader r(w.data());
  CHECK(b.load_memory(r));
  CHECK(r.at_end());
  TimingConfig wide = cfg;
  wide.l2_mshrs = cfg.l2_mshrs + 1;
  OooModel c(wide);
  StateReader r2(w.data());
  CHECK_FALSE(c.load_memory(r2));
}

TEST_CASE("timing config: miss registers and the prefetcher read and are checked") {
  TimingConfig c;
  std::string err;
  REQUIRE(parse_timing_config("[timing]\nl1d_mshrs = 6\nl2_mshrs = 12\nl1d_prefetch = false\nl1d_prefetch_degree = 4\n",
                              "t.ini", c, err));
  CHECK(c.l1d_mshrs == 6);
  CHECK(c.l2_mshrs == 12);
  CHECK(c.l1d_prefetch == 0);
  CHECK(c.l1d_prefetch_degree == 4);
  CHECK(parse_error("[timing]\nl1d_mshrs = 0\n") == "t.ini:2: l1d_mshrs = 0: out of range 1..256");
  CHECK(parse_error("[timing]\nl1d_prefetch_degree = 17\n").find("l1d_prefetch_degree") != std::string::npos);
}
