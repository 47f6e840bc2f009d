// The three CPUs the differential tester compares: pvlab, Unicorn 2, and the host processor
// (through the 32-bit helper). Each runs one TestCase and reports a Result in the same terms:
// registers, EFLAGS, the data pages, and how the sequence ended.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "gen.h"

namespace pvdiff {

constexpr int kVecEnd = -1;       // the sequence ran to its end
constexpr int kVecStopped = 256;  // the engine stopped for another reason (see Result::note)

struct Result {
  bool ran = false;          // false: the engine could not run this case (see note)
  uint32_t regs[8] = {};
  uint32_t eflags = 0;
  uint32_t eip = 0;
  int vector = kVecEnd;      // kVecEnd, an exception or interrupt vector, or kVecStopped
  bool err_known = true;     // Unicorn does not report error codes
  uint32_t err = 0;
  uint32_t cr2 = 0;
  std::string note;          // anything unusual (an engine stop reason, a helper crash)
  uint8_t data[PD_NUM_DATA][PD_PAGE] = {};
};

class Engine {
 public:
  virtual ~Engine() = default;
  virtual const char* name() const = 0;
  // Run the case; `r` is fully written.
  virtual void run(const TestCase& tc, Result& r) = 0;
};

std::unique_ptr<Engine> make_pvlab_engine();
std::unique_ptr<Engine> make_unicorn_engine();

class HostEngine : public Engine {
 public:
  // `helper` is the path of pvlab-diff-host. Throws std::runtime_error when it cannot start.
  explicit HostEngine(std::string helper);
  ~HostEngine() override;
  const char* name() const override { return "host"; }
  void run(const TestCase& tc, Result& r) override;
  // Whether the helper process has [a, a+n) mapped (where the other engines see nothing).
  bool host_mapped(uint32_t a, uint32_t n = 1) const;
  unsigned restarts() const { return restarts_; }

 private:
  void start();
  void stop();
  std::string helper_;
  int pid_ = -1, to_ = -1, from_ = -1;
  std::vector<std::pair<uint32_t, uint32_t>> ranges_;
  unsigned restarts_ = 0;
};

// Error codes are pushed for these vectors.
inline bool vector_has_error(int v) {
  return v == 8 || (v >= 10 && v <= 14) || v == 17;
}

}  // namespace pvdiff
