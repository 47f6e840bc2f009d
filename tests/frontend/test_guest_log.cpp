// The --log categories: parsing and help, and what each reports on a program that provokes
// it (int, pf, unimp, cpu, io); a category that is off reports nothing.
#include <doctest/doctest.h>

#include "fe_log_cpu.h"
#include "fe_log_pf.h"
#include "fe_log_unimp.h"
#include "frontend/guest_log.h"
#include "tests/frontend/flat_program.h"

using namespace pvlab;
using namespace pvlab::test;

namespace {

// Run `program` with the log categories `cats` and return what the log wrote.
template <size_t N>
std::string logged(const uint8_t (&program)[N], const std::vector<std::string>& cats,
                   StopReason* stop = nullptr) {
  unsigned mask = 0;
  std::string err;
  REQUIRE(parse_log_categories(cats, mask, err));
  CaptureFile out;
  GuestLog log(out.get(), mask);
  FlatRun run = run_flat(program, &log);
  if (stop) *stop = run.r.stop;
  return out.text();
}

}  // namespace

TEST_CASE("log: categories parse by name, and unknown ones are refused with the list") {
  unsigned mask = 0;
  std::string err;
  CHECK(parse_log_categories({"int", "pf"}, mask, err));
  CHECK(mask == (log_cat::kInt | log_cat::kPf));
  CHECK(parse_log_categories({}, mask, err));
  CHECK(mask == 0);
  CHECK_FALSE(parse_log_categories({"cpu", "bogus"}, mask, err));
  CHECK(err.find("bogus") != std::string::npos);
  CHECK(err.find("unimp") != std::string::npos);
  const std::string help = log_help();
  for (const LogCategory& c : log_categories()) {
    CAPTURE(c.name);
    CHECK(help.find(std::string("  ") + c.name + " ") != std::string::npos);
    CHECK(parse_log_categories({c.name}, mask, err));
    CHECK(mask == c.bit);
  }
}

TEST_CASE("log pf: the page fault with CR2 and its error code decoded") {
  StopReason stop{};
  const std::string out = logged(kFe_log_pf, {"pf"}, &stop);
  CHECK(stop == StopReason::TripleFault);
  CHECK(count_of(out, "pf: ") == 1);
  CHECK(out.find("pf: cr2=00800004 error=0x2 (not present, write, supervisor) at 0008:") !=
        std::string::npos);
  CHECK(out.find("vector") == std::string::npos);   // int is off
  const std::string ints = logged(kFe_log_pf, {"int"});
  CHECK(ints.find("fault vector 14 error 0x2 at 0008:") != std::string::npos);
  CHECK(ints.find("pf: ") == std::string::npos);
}

TEST_CASE("log unimp: invalid opcodes and missing instructions once per address, not UD2") {
  StopReason stop{};
  const std::string out = logged(kFe_log_unimp, {"unimp"}, &stop);
  CHECK(stop == StopReason::HaltIfOff);
  CHECK(count_of(out, "unimp: ") == 3);
  CHECK(in_order(out, {"#UD at 0008:", ": invalid opcode (bytes 0f 04 ",
                       ": movaps xmm0, xmm1 (0f 28 c1): not implemented by pvlab",
                       ": fld1 (d9 e8): x87: pvlab has no FPU"}));
  CHECK(out.find("ud2") == std::string::npos);
  // The same program with the category off: the #UDs are delivered alike, nothing is said.
  CHECK(logged(kFe_log_unimp, {"io"}).empty());
}

TEST_CASE("log cpu: control register writes, LTR and a task switch") {
  StopReason stop{};
  const std::string out = logged(kFe_log_cpu, {"cpu"}, &stop);
  CHECK(stop == StopReason::HaltIfOff);
  CHECK(in_order(out, {"cpu: cr3 00000000 -> 00020000, by the instruction at eip 0001",
                       "cpu: cr4 00000000 -> 00000010 (+PSE)",
                       "cpu: cr0 00000011 -> 80000011 (+PG)",
                       "cpu: cr3 00020000 written again",
                       "cpu: ltr 0018",
                       "cpu: cr0 80000011 -> 80000019 (+TS)",   // a task switch sets CR0.TS
                       "cpu: task switch tr 0018 -> 0020, now at 0008:0001"}));
  CHECK(count_of(out, "cpu: ") == 7);
  CHECK(out.find("vector") == std::string::npos);
}

TEST_CASE("log int and io: the software interrupt, and the port no device answers") {
  const std::string out = logged(kFe_log_cpu, {"int", "io"});
  CHECK(count_of(out, "int vector 48 at 0008:0001") == 1);
  CHECK(out.find("io: the guest used port 0x1234, which no device answers") != std::string::npos);
  CHECK(out.find("cpu: ") == std::string::npos);
  CHECK(logged(kFe_log_cpu, {}).empty());
}
