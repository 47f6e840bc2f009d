// Runs one of the frontend test programs (tests/frontend/asm, embedded as kFe_NAME) on a PC
// machine: loaded and entered at 0x10000 in flat 32-bit protected mode.
#pragma once
#include <doctest/doctest.h>

#include <cstdio>
#include <iterator>
#include <memory>
#include <string>

#include "frontend/machine.h"

namespace pvlab::test {

constexpr uint32_t kLoadAddr = 0x10000;

struct FlatRun {
  std::unique_ptr<PcMachine> m;
  RunResult r;
};

template <size_t N>
FlatRun run_flat(const uint8_t (&program)[N], GuestLog* log = nullptr, uint64_t max_insns = 1'000'000) {
  FlatRun run{std::make_unique<PcMachine>(MachineConfig{}), {}};
  std::string err;
  REQUIRE(run.m->load_flat(std::vector<uint8_t>(std::begin(program), std::end(program)), kLoadAddr, err));
  if (log) {
    run.m->set_log(log);
    log->attach(run.m->cpu());
  }
  run.r = run.m->run(max_insns);
  if (log) log->finish(run.m->bus());
  return run;
}

// Everything written to a temporary stream (the log's output in tests).
class CaptureFile {
 public:
  CaptureFile() : f_(std::tmpfile()) { REQUIRE(f_ != nullptr); }
  ~CaptureFile() { std::fclose(f_); }
  FILE* get() { return f_; }
  std::string text() {
    std::fflush(f_);
    std::rewind(f_);
    std::string s;
    for (int c; (c = std::fgetc(f_)) != EOF;) s.push_back(char(c));
    return s;
  }

 private:
  FILE* f_;
};

// True when each of `parts` occurs in `text`, in this order.
inline bool in_order(const std::string& text, std::initializer_list<const char*> parts) {
  size_t at = 0;
  for (const char* p : parts) {
    size_t k = text.find(p, at);
    if (k == std::string::npos) return false;
    at = k + 1;
  }
  return true;
}

inline size_t count_of(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t k = text.find(what); k != std::string::npos; k = text.find(what, k + 1)) ++n;
  return n;
}

}  // namespace pvlab::test
