// The bundled demo guest boots, prints what it computes and powers off.
#include <doctest/doctest.h>

#include "demo_guest.h"
#include "frontend/machine.h"

using namespace pvlab;

TEST_CASE("the demo guest prints its results and powers off") {
  std::string err;
  auto img = parse_elf("demo", std::vector<uint8_t>(std::begin(kDemoGuest), std::end(kDemoGuest)), err);
  REQUIRE(img.has_value());
  PcMachine m(MachineConfig{});
  REQUIRE(m.load_multiboot(*img, err));
  RunResult r = m.run(50'000'000);
  CHECK(r.end == RunEnd::PowerOff);
  CHECK(exit_status(r) == 0);
  CHECK(m.console().find("Hello from a pvlab guest!") != std::string::npos);
  CHECK(m.console().find("multiboot magic: 0x2badb002") != std::string::npos);
  CHECK(m.console().find("primes below 10000: 1229") != std::string::npos);
  CHECK(m.console().find("bye") != std::string::npos);
}

TEST_CASE("the same guest runs to the same cycle count twice") {
  std::string err;
  auto img = parse_elf("demo", std::vector<uint8_t>(std::begin(kDemoGuest), std::end(kDemoGuest)), err);
  REQUIRE(img.has_value());
  uint64_t cycles[2], insns[2];
  std::string out[2];
  for (int k = 0; k < 2; ++k) {
    PcMachine m(MachineConfig{});
    REQUIRE(m.load_multiboot(*img, err));
    m.run(50'000'000);
    cycles[k] = m.cpu().s.cycles;
    insns[k] = m.cpu().s.insns;
    out[k] = m.console();
  }
  CHECK(cycles[0] == cycles[1]);
  CHECK(insns[0] == insns[1]);
  CHECK(out[0] == out[1]);
}
