// Instruction traces: the binary and text formats round-trip, a damaged binary trace (cut
// anywhere, any byte changed) is refused with the file and offset named, the tracer reports
// what a small program did without changing the run, and trace diff names the first
// difference.
#include <doctest/doctest.h>

#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "frontend/trace_diff.h"
#include "frontend/trace_session.h"
#include "tests/frontend/flat_program.h"

using namespace pvlab;

namespace {

std::string temp_path(const std::string& name) {
  return (std::filesystem::temp_directory_path() /
          ("pvlab-trace-test-" + std::to_string(getpid()) + "-" + name))
      .string();
}

std::vector<uint8_t> file_bytes(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return std::vector<uint8_t>((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
}

// A fixed set of records covering every field (vcpus, both code sizes, empty lists).
std::vector<InsnRecord> sample_records() {
  std::vector<InsnRecord> v;
  uint64_t cycle = 100;
  for (unsigned k = 0; k < 12; ++k) {
    InsnRecord r;
    cycle += 1 + k * 37;
    r.cycle = cycle;
    r.count = 50 + k;
    r.vcpu = uint8_t(k % 3);
    r.code32 = k != 5;
    r.eip = 0xc0001000 + k * 3;
    r.bytes = {0x89, uint8_t(0xe5 + k)};
    if (k % 2) r.regs.push_back({uint8_t(k % treg::kCount), 0x1000u * k});
    if (k % 3 == 0) r.regs.push_back({treg::kEflags, 0x246});
    if (k % 4 == 1) r.mem.push_back({0x8000u + k, uint8_t(1 + k % 4), (k & 2) != 0, 0xabcdu + k});
    if (k == 7) r.mem.push_back({0xfffffffc, 4, true, 0xffffffff});
    v.push_back(r);
  }
  return v;
}

void write_trace(const std::string& path, TraceFormat f, const std::vector<InsnRecord>& recs) {
  std::string err;
  auto w = TraceWriter::open(path, f, err);
  REQUIRE(w);
  for (const auto& r : recs) w->write(r);
  REQUIRE(w->finish(err));
}

bool same_records(const std::vector<InsnRecord>& a, const std::vector<InsnRecord>& b) {
  return a.size() == b.size() && !first_difference(a, b);
}

// A fixed-seed generator for the fuzz loops (the tests must run the same every time).
struct Lcg {
  uint64_t s;
  uint32_t next() {
    s = s * 6364136223846793005ull + 1442695040888963407ull;
    return uint32_t(s >> 33);
  }
};

}  // namespace

TEST_CASE("trace: binary and text traces read back what was written") {
  const auto recs = sample_records();
  for (TraceFormat f : {TraceFormat::Binary, TraceFormat::Text}) {
    const std::string path = temp_path(f == TraceFormat::Binary ? "rt.pvt" : "rt.txt");
    write_trace(path, f, recs);
    std::vector<InsnRecord> back;
    std::string err;
    REQUIRE_MESSAGE(read_trace_file(path, back, err), err);
    CHECK(same_records(recs, back));
    CHECK(back[5].code32 == false);
    CHECK(back[7].mem.size() == 1);
    CHECK(back[9].mem.size() == 1);
    std::filesystem::remove(path);
  }
  CHECK(trace_format_for("x.pvt", "") == TraceFormat::Binary);
  CHECK(trace_format_for("x.txt", "") == TraceFormat::Text);
  CHECK(trace_format_for("x.txt", "bin") == TraceFormat::Binary);
  CHECK_FALSE(trace_format_for("x", "xml"));
}

TEST_CASE("trace: a truncated, damaged or wrong-version binary trace is refused with file and offset") {
  const std::string path = temp_path("fuzz.pvt");
  write_trace(path, TraceFormat::Binary, sample_records());
  const std::vector<uint8_t> good = file_bytes(path);
  std::filesystem::remove(path);
  std::vector<InsnRecord> out;
  std::string err;
  REQUIRE(parse_binary_trace(good, "good.pvt", out, err));
  REQUIRE(out.size() == 12);

  // Cut at every length short of the whole file.
  for (size_t n = 0; n < good.size(); ++n) {
    std::vector<uint8_t> cut(good.begin(), good.begin() + long(n));
    err.clear();
    CAPTURE(n);
    CHECK_FALSE(parse_binary_trace(cut, "cut.pvt", out, err));
    CHECK(err.rfind("cut.pvt: offset ", 0) == 0);
  }
  // Every byte changed, by a few fixed-seed values each.
  Lcg rng{42};
  for (size_t at = 0; at < good.size(); ++at) {
    for (int t = 0; t < 4; ++t) {
      std::vector<uint8_t> bad = good;
      bad[at] ^= uint8_t(1 + rng.next() % 255);
      err.clear();
      CAPTURE(at);
      CHECK_FALSE(parse_binary_trace(bad, "bad.pvt", out, err));
      CHECK(err.rfind("bad.pvt: offset ", 0) == 0);
    }
  }
  // Random garbage after a valid header never crashes the reader.
  for (int t = 0; t < 300; ++t) {
    std::vector<uint8_t> junk(good.begin(), good.begin() + 16);
    const unsigned n = rng.next() % 200;
    for (unsigned k = 0; k < n; ++k) junk.push_back(uint8_t(rng.next()));
    if (junk.size() > 13 && t % 2) junk[junk.size() - 13] = 0xfe;
    CHECK_FALSE(parse_binary_trace(junk, "junk.pvt", out, err));
  }
  std::vector<uint8_t> v2 = good;
  v2[8] = 2;
  CHECK_FALSE(parse_binary_trace(v2, "v2.pvt", out, err));
  CHECK(err.find("v2.pvt: offset 8: trace format version 2") == 0);

  // Text: a cut or damaged text trace is refused by line, or still reads records, never crashes.
  const std::string tpath = temp_path("fuzz.txt");
  write_trace(tpath, TraceFormat::Text, sample_records());
  const std::vector<uint8_t> tb = file_bytes(tpath);
  std::filesystem::remove(tpath);
  const std::string text(tb.begin(), tb.end());
  for (size_t n = 0; n < text.size(); n += 3) {
    std::string t = text.substr(0, n);
    if (n > 40 && n % 2) t[n / 2] = char(rng.next());
    err.clear();
    if (!parse_text_trace(t, "t.txt", out, err)) CHECK(err.rfind("t.txt: line ", 0) == 0);
  }
}

TEST_CASE("trace: first_difference names the record and the field") {
  const auto a = sample_records();
  CHECK_FALSE(first_difference(a, a));
  auto b = a;
  b[4].regs.push_back({treg::kCr3, 0x5000});
  auto d = first_difference(a, b);
  REQUIRE(d);
  CHECK(d->index == 4);
  CHECK(d->field == "register cr3");
  b = a;
  b[9].mem[0].value ^= 1;
  d = first_difference(a, b);
  REQUIRE(d);
  CHECK(d->index == 9);
  CHECK(d->field == "memory access 1");
  b = a;
  b[2].eip += 1;
  b[3].bytes[0] = 0x90;
  d = first_difference(a, b);
  REQUIRE(d);
  CHECK(d->index == 2);
  CHECK(d->field == "eip");
  b = a;
  b[3].bytes[1] = 0x90;
  d = first_difference(a, b);
  REQUIRE(d);
  CHECK(d->field == "bytes");
  b = a;
  b.pop_back();
  d = first_difference(a, b);
  REQUIRE(d);
  CHECK(d->index == 11);
  CHECK(d->field == "end");
}

namespace {

// mov eax, 0x12345678; mov [0x20000], eax; mov ebx, [0x20000]; mov ecx, 4; mov edi, 0x20010;
// rep stosd; mov al, 0; out 0xf4, al (isa-debug-exit).
const uint8_t kProgram[] = {0xb8, 0x78, 0x56, 0x34, 0x12, 0xa3, 0x00, 0x00, 0x02, 0x00, 0x8b, 0x1d,
                            0x00, 0x00, 0x02, 0x00, 0xb9, 0x04, 0x00, 0x00, 0x00, 0xbf, 0x10, 0x00,
                            0x02, 0x00, 0xf3, 0xab, 0xb0, 0x00, 0xe6, 0xf4};

struct CollectEvents final : TraceEventSink {
  std::vector<TraceEvent> events;
  void event(const TraceEvent& e) override { events.push_back(e); }
};

}  // namespace

TEST_CASE("trace: the tracer records registers written and memory touched, and changes nothing") {
  const std::string path = temp_path("prog.pvt");
  PcMachine plain(MachineConfig{}), traced(MachineConfig{});
  std::string err;
  const std::vector<uint8_t> prog(std::begin(kProgram), std::end(kProgram));
  REQUIRE(plain.load_flat(prog, test::kLoadAddr, err));
  REQUIRE(traced.load_flat(prog, test::kLoadAddr, err));
  TraceRunOptions o;
  o.insns.path = path;
  auto session = TraceSession::open(o, 1'000'000'000, "test", err);
  REQUIRE(session);
  session->attach_cpu(traced.cpu(), 0);
  CollectEvents events;
  traced.set_trace_sink(&events);
  const RunResult rp = plain.run(1000), rt = traced.run(1000);
  REQUIRE(session->finish(err));
  CHECK(rp.end == RunEnd::DebugExit);
  CHECK(rt.end == RunEnd::DebugExit);
  CHECK(plain.cpu().s.insns == traced.cpu().s.insns);
  CHECK(plain.cpu().s.cycles == traced.cpu().s.cycles);

  std::vector<InsnRecord> r;
  REQUIRE_MESSAGE(read_trace_file(path, r, err), err);
  std::filesystem::remove(path);
  REQUIRE(r.size() == 8);
  CHECK(r[0].eip == test::kLoadAddr);
  CHECK(r[0].bytes == std::vector<uint8_t>{0xb8, 0x78, 0x56, 0x34, 0x12});
  CHECK(r[0].regs == std::vector<InsnRecord::Reg>{{0, 0x12345678}});
  CHECK(r[0].mem.empty());
  CHECK(r[1].mem == std::vector<InsnRecord::Mem>{{0x20000, 4, true, 0x12345678}});
  CHECK(r[2].mem == std::vector<InsnRecord::Mem>{{0x20000, 4, false, 0x12345678}});
  CHECK(r[2].regs == std::vector<InsnRecord::Reg>{{3, 0x12345678}});
  // REP STOSD: four writes in one record, ECX and EDI at their final values.
  CHECK(r[5].eip == test::kLoadAddr + 26);
  REQUIRE(r[5].mem.size() == 4);
  for (unsigned k = 0; k < 4; ++k) CHECK(r[5].mem[k] == InsnRecord::Mem{0x20010 + 4 * k, 4, true, 0x12345678});
  CHECK(r[5].regs == std::vector<InsnRecord::Reg>{{1, 0}, {7, 0x20020}});
  for (size_t k = 1; k < r.size(); ++k) {
    CHECK(r[k].count == r[k - 1].count + 1);
    CHECK(r[k].cycle > r[k - 1].cycle);
  }
  CHECK(disassemble_bytes(r[5].bytes, true, r[5].eip) == "rep stosd dword ptr es:[edi], eax");

  bool saw_exit = false;
  for (const TraceEvent& e : events.events)
    if (e.kind == "io" && e.name == "out 0xf4") saw_exit = true;
  CHECK(saw_exit);
}
