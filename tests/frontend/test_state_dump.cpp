// The state dump's last instructions, rebuilt from the CPU's trace ring: they end at the
// faulting instruction, show where a fault left a block, fold a string instruction's repeats,
// keep the last 16, and survive the block cache being dropped.
#include <doctest/doctest.h>

#include "fe_fault_handler.h"
#include "fe_loop_ud2.h"
#include "fe_triple_div.h"
#include "frontend/state_dump.h"
#include "tests/frontend/flat_program.h"

using namespace pvlab;
using namespace pvlab::test;

namespace {

std::vector<std::string> texts(const std::vector<TraceLine>& lines) {
  std::vector<std::string> t;
  for (const TraceLine& l : lines) t.push_back(l.text);
  return t;
}

}  // namespace

TEST_CASE("trace ring: an entry is found by its instruction count until its slot is reused") {
  TraceRing ring;
  CHECK(ring.entered_at(0) == TraceRing::kNone);
  ring.enter(0x1234, 5);
  ring.enter(0x2000, 9);
  CHECK(ring.entered_at(5) == 0x1234);
  CHECK(ring.entered_at(9) == 0x2000);
  CHECK(ring.entered_at(6) == TraceRing::kNone);
  ring.enter(0x3000, 5 + TraceRing::kSize);
  CHECK(ring.entered_at(5) == TraceRing::kNone);
  CHECK(ring.entered_at(5 + TraceRing::kSize) == 0x3000);
  ring.enter(0x4000, 9);   // a block that retired nothing shares its count with the next
  CHECK(ring.entered_at(9) == 0x4000);
}

TEST_CASE("state dump: the last instructions before a triple fault end with the faulting one") {
  FlatRun run = run_flat(kFe_triple_div);
  CHECK(run.r.stop == StopReason::TripleFault);
  std::vector<TraceLine> lines = last_instructions(run.m->cpu(), 16);
  const std::vector<std::string> want = {"mov eax, 0x11111111", "mov ebx, 0x22222222",
                                         "jmp 0x1000c", "lidt", "inc ecx", "xor edx, edx", "div edx"};
  REQUIRE(lines.size() == want.size());
  for (size_t k = 0; k < want.size(); ++k) {
    CAPTURE(k);
    CHECK(lines[k].text.rfind(want[k], 0) == 0);
    CHECK(lines[k].lin_known);
    CHECK(lines[k].note == (k + 1 == want.size() ? TraceLine::Note::AtEip : TraceLine::Note::None));
  }
  CHECK(lines[0].lin == kLoadAddr);
  CHECK(lines[0].bytes == "b811111111");
  CHECK(lines.back().lin == run.m->cpu().s.eip);

  const std::string dump = state_dump(run.m->cpu());
  CHECK(in_order(dump, {"eip=", "cr0=", "last instructions", "mov eax, 0x11111111", "div edx  <- eip",
                        "code at cs:eip"}));
}

TEST_CASE("state dump: a fault in the middle of a block shows where the block was left") {
  FlatRun run = run_flat(kFe_fault_handler);
  CHECK(run.r.stop == StopReason::TripleFault);
  std::vector<TraceLine> lines = last_instructions(run.m->cpu(), 16);
  REQUIRE(lines.size() >= 5);
  const size_t n = lines.size();
  CHECK(lines[n - 5].text == "xor ebx, ebx");
  CHECK(lines[n - 4].text == "mov eax, 7");
  CHECK(lines[n - 3].text == "div ebx");
  CHECK(lines[n - 3].note == TraceLine::Note::NotRetired);
  CHECK(lines[n - 2].text.rfind("lidt", 0) == 0);
  CHECK(lines[n - 1].text == "ud2");
  CHECK(lines[n - 1].note == TraceLine::Note::AtEip);
  // The instruction after the DIV never ran and is not listed.
  for (const TraceLine& l : lines) CHECK(l.text != "mov ecx, 1");
  CHECK(state_dump(run.m->cpu()).find("div ebx  <- not retired") != std::string::npos);
}

TEST_CASE("state dump: only the last 16 instructions, string repeats folded") {
  FlatRun run = run_flat(kFe_loop_ud2);
  CHECK(run.r.stop == StopReason::TripleFault);
  std::vector<TraceLine> lines = last_instructions(run.m->cpu(), 16);
  REQUIRE(lines.size() == 16);
  std::vector<std::string> t = texts(lines);
  CHECK(t[0] == "mov edi, 0x30000");
  CHECK(t[1] == "mov ecx, 0x3064");
  CHECK(t[2] == "xor eax, eax");
  CHECK(t[3] == "rep stosb byte ptr es:[edi], al");
  CHECK(lines[3].repeat >= 1);
  CHECK(t[4] == "mov ecx, 5");
  for (size_t k = 5; k < 15; ++k) {
    CAPTURE(k);
    CHECK(t[k].rfind(k % 2 ? "dec ecx" : "jne", 0) == 0);
  }
  CHECK(t[15] == "ud2");
  CHECK(lines[15].note == TraceLine::Note::AtEip);
  CHECK(last_instructions(run.m->cpu(), 4).size() == 4);
}

TEST_CASE("state dump: blocks no longer cached are decoded again from physical memory") {
  FlatRun run = run_flat(kFe_triple_div);
  const std::vector<std::string> before = texts(last_instructions(run.m->cpu(), 16));
  run.m->cpu().flush_blocks();
  run.m->cpu().blocks().collect();
  std::vector<TraceLine> after = last_instructions(run.m->cpu(), 16);
  CHECK(texts(after) == before);
  for (const TraceLine& l : after) CHECK_FALSE(l.lin_known);
  CHECK(after[0].phys == kLoadAddr);
  CHECK(state_dump(run.m->cpu()).find("p:10000 ") != std::string::npos);
}

TEST_CASE("state dump: a machine that ran nothing has no last instructions") {
  PcMachine m(MachineConfig{});
  CHECK(last_instructions(m.cpu(), 16).empty());
  const std::string dump = state_dump(m.cpu());
  CHECK(dump.find("last instructions") == std::string::npos);
  CHECK(dump.find("code at cs:eip") != std::string::npos);
}
