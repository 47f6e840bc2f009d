// Comparing engine results, judging a case, and printing cases and results for people.
#pragma once
#include <string>
#include <vector>

#include "engines.h"

namespace pvdiff {

// EFLAGS bits compared: the arithmetic flags, TF, IF, DF, IOPL, NT, AC and ID (RF and VM are
// left out: a fault image may carry RF).
constexpr uint32_t kCmpFlags = 0x00247fd5;

// Differences between two results, one short line each; flags compared under `flag_mask`.
std::vector<std::string> compare(const Result& a, const Result& b, uint32_t flag_mask);

// The judgement of one case over the engines that ran it.
struct Verdict {
  bool pvlab_ok = true;
  bool host_compared = false;
  bool unicorn_deviates = false;  // Unicorn differs from the host
  bool inconclusive = false;      // no host, and Unicorn's result is one it is known to get wrong
  std::vector<std::string> pv_host, pv_uc, uc_host;
  std::string reason;             // a one-line summary when !pvlab_ok
};

// `pv`, `uc`, `host` may be null (engine not in use); `host_valid` says whether the host's
// result is meaningful for this case.
Verdict judge(const TestCase& tc, const Result* pv, const Result* uc, const Result* host,
              bool host_valid);

// A copy of `tc` holding only its first `k` instructions (branches past them go to the end).
TestCase truncate(const TestCase& tc, size_t k);

std::string describe_outcome(const Result& r);
std::string describe_result(const Result& r, const TestCase& tc);
std::string describe_case(const TestCase& tc, const Generator& g);

std::string hex32(uint32_t v);

}  // namespace pvdiff
