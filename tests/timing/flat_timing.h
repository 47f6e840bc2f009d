// Small flat programs timed on a PC machine, for the timing tests (test_timing.cpp,
// test_pipeline.cpp): a body repeated, run under the engine a configuration names, and the
// cycles per instruction one more stretch of it costs.
#pragma once
#include <doctest/doctest.h>

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string>
#include <vector>

#include "cpu/timing/config.h"
#include "cpu/timing/engine.h"
#include "frontend/machine.h"
#include "frontend/timing_setup.h"

namespace pvlab::flat_timing {

inline const std::string kConfigs = PVLAB_SOURCE_DIR "/cpu/timing/configs/";

// A flat program: `body` repeated `n` times, then HLT (interrupts are off: the CPU stops).
inline std::vector<uint8_t> repeat(std::initializer_list<uint8_t> body, unsigned n) {
  std::vector<uint8_t> p;
  for (unsigned k = 0; k < n; ++k) p.insert(p.end(), body);
  p.push_back(0xf4);
  return p;
}

struct Timed {
  uint64_t cycles = 0, insns = 0;
  TimingStats st;
};

// `prog` at 0x10000 under the engine `cfg.engine` names.
inline Timed run_timed(const std::vector<uint8_t>& prog, const TimingConfig& cfg) {
  MachineConfig mc;
  mc.cpu.mmu.walk_cycles_per_level = cfg.walk_cycles_per_level;
  PcMachine m(mc);
  std::string err;
  REQUIRE(m.load_flat(prog, 0x10000, err));
  std::unique_ptr<TimingEngine> model = make_timing_engine(cfg);
  model->attach(m.cpu());
  m.run(10'000'000);
  model->detach(m.cpu());
  return {m.cpu().s.cycles, m.cpu().s.insns, model->stats()};
}

// The configuration with misses beyond L1 as cheap as hits: straight-line code runs once, so
// every fetch line would otherwise be a cold miss.
inline TimingConfig warm(TimingConfig cfg) {
  cfg.l2.latency = cfg.mem_latency = cfg.l1i.latency;
  return cfg;
}

// Cycles per extra instruction between two lengths of the same straight-line body.
inline double marginal(std::initializer_list<uint8_t> body, unsigned per_body, const TimingConfig& cfg) {
  const Timed a = run_timed(repeat(body, 400), warm(cfg)), b = run_timed(repeat(body, 800), warm(cfg));
  return double(b.cycles - a.cycles) / double(400 * per_body);
}

}  // namespace pvlab::flat_timing
