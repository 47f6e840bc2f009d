// Runs pvlab's assembly tests. Each test is a .S file assembled to a flat binary at 0x10000,
// carrying its set-up and expectations in `//@` lines next to the code:
//
//   //@ mode: pm32            real | pm32 (flat ring 0, the default) | ring3 (flat ring 3)
//   //@ init: eax=1 m32[0x20000]=5 eflags=0x202
//   //@ expect: eax=3 flags[0x8d5]=0x4 m32[0x20000]=6 exc=13 err=0
//   //@ deliver: guest         let exceptions go through the guest's IDT / IVT
//   //@ max-insns: 100000
//
// Without `exc=` in the expectations, a test must end on HLT with no exception; `stop=triple`
// expects the run to end in a triple fault instead. Registers
// named: eax..edi, eip, esp; es, cs, ss, ds, fs, gs (selectors); cr0, cr2, cr3, cr4, dr6, dr7;
// cpl; eflags (all bits) or flags[MASK] (the bits in MASK); insns; m8/m16/m32[physical].
//
// Memory set up by the runner: GDT at 0x1000 (see harness.inc for the selectors), IDT at
// 0x2000 (empty), TSS at 0x3000 (SS0:ESP0 = 0x10:0x90000), stack top 0x8fff0 (ring 3:
// 0x7fff0), scratch data from 0x20000. Prints one line per test and a closing
// "asm-tests: N passed, N failed".
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "cpu/cpu.h"
#include "devices/pc/debugcon.h"

using namespace pvlab;

namespace {

constexpr uint32_t kLoad = 0x10000, kGdt = 0x1000, kIdt = 0x2000, kTss = 0x3000;

uint64_t make_desc(uint32_t base, uint32_t limit, uint8_t access, uint8_t flags) {
  uint64_t d = (limit & 0xffff) | (uint64_t(base & 0xffffff) << 16) | (uint64_t(access) << 40) |
               (uint64_t((limit >> 16) & 0xf) << 48) | (uint64_t(flags & 0xf) << 52) |
               (uint64_t(base >> 24) << 56);
  return d;
}

struct Spec {
  std::string mode = "pm32";
  std::vector<std::pair<std::string, uint64_t>> init, expect;
  bool deliver_guest = false;
  uint64_t max_insns = 1000000;
};

bool parse_num(const std::string& s, uint64_t& v) {
  try {
    size_t pos;
    v = std::stoull(s, &pos, 0);
    return pos == s.size();
  } catch (...) {
    return false;
  }
}

std::optional<Spec> parse_spec(const std::string& path, std::string& err) {
  std::ifstream f(path);
  if (!f) {
    err = "cannot read " + path;
    return std::nullopt;
  }
  Spec s;
  std::string line;
  int lineno = 0;
  while (std::getline(f, line)) {
    ++lineno;
    auto p = line.find("//@");
    if (p == std::string::npos) continue;
    std::istringstream in(line.substr(p + 3));
    std::string key;
    in >> key;
    if (key == "mode:") { in >> s.mode; continue; }
    if (key == "deliver:") { std::string w; in >> w; s.deliver_guest = w == "guest"; continue; }
    if (key == "max-insns:") { in >> s.max_insns; continue; }
    if (key != "init:" && key != "expect:") {
      err = path + ":" + std::to_string(lineno) + ": unknown directive '" + key + "'";
      return std::nullopt;
    }
    std::string tok;
    while (in >> tok) {
      auto eq = tok.find('=');
      uint64_t v;
      if (eq == std::string::npos) {
        err = path + ":" + std::to_string(lineno) + ": expected NAME=VALUE, got '" + tok + "'";
        return std::nullopt;
      }
      std::string name = tok.substr(0, eq), val = tok.substr(eq + 1);
      if (name == "exc" && val == "none") v = ~0ull;
      else if (name == "stop" && val == "triple") v = uint64_t(StopReason::TripleFault);
      else if (!parse_num(val, v)) {
        err = path + ":" + std::to_string(lineno) + ": bad number in '" + tok + "'";
        return std::nullopt;
      }
      (key == "init:" ? s.init : s.expect).emplace_back(name, v);
    }
  }
  return s;
}

struct Harness final : Platform {
  PhysMem ram{16u << 20};
  Bus bus{ram};
  Cpu cpu{bus};
  std::string console;
  DebugConsole con{[this](char c) { console.push_back(c); }};
  bool intercept_all = true;
  std::optional<Event> seen;

  Harness() {
    cpu.set_platform(this);
    bus.map_ports(0xe9, 1, &con);
  }
  bool intercept(Cpu& c, const Event& e) override {
    if (!intercept_all || e.kind == EventKind::HwInt || e.kind == EventKind::SoftInt) return false;
    seen = e;
    c.request_stop();
    return true;
  }

  void write32(uint32_t a, uint32_t v) { std::memcpy(ram.ptr(a), &v, 4); }
  void write64(uint32_t a, uint64_t v) { std::memcpy(ram.ptr(a), &v, 8); }

  void setup_tables() {
    const uint64_t gdt[] = {
        0,
        make_desc(0, 0xfffff, 0x9b, 0xc),      // 0x08 code32 ring 0
        make_desc(0, 0xfffff, 0x93, 0xc),      // 0x10 data32 ring 0
        make_desc(0, 0xfffff, 0xfb, 0xc),      // 0x18 code32 ring 3
        make_desc(0, 0xfffff, 0xf3, 0xc),      // 0x20 data32 ring 3
        make_desc(0, 0xffff, 0x9b, 0x0),       // 0x28 code16 ring 0
        make_desc(0, 0xffff, 0x93, 0x0),       // 0x30 data16 ring 0
        make_desc(kTss, 0x67, 0x89, 0x0),      // 0x38 32-bit TSS (available)
    };
    for (unsigned k = 0; k < sizeof gdt / 8; ++k) write64(kGdt + 8 * k, gdt[k]);
    write32(kTss + 4, 0x90000);  // ESP0
    write32(kTss + 8, 0x10);     // SS0
    write32(kTss + 100, 0x68 << 16);  // I/O map base (offset 102) at the limit: no bitmap
  }

  bool set_value(const std::string& n, uint64_t v, std::string& err) {
    static const char* regs[] = {"eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi"};
    for (int k = 0; k < 8; ++k)
      if (n == regs[k]) { cpu.s.r[k] = uint32_t(v); return true; }
    if (n == "eflags") { cpu.s.lf.op = LazyOp::None; cpu.s.eflags = uint32_t(v) | fl::kFixed1; return true; }
    uint32_t addr;
    if (parse_mem(n, addr)) {
      unsigned sz = n[1] == '8' ? 1 : n[1] == '1' ? 2 : 4;
      std::memcpy(ram.ptr(addr), &v, sz);
      return true;
    }
    err = "cannot set '" + n + "'";
    return false;
  }

  static bool parse_mem(const std::string& n, uint32_t& addr) {
    if (n.size() < 5 || n[0] != 'm') return false;
    auto lb = n.find('['), rb = n.find(']');
    if (lb == std::string::npos || rb == std::string::npos) return false;
    uint64_t a;
    if (!parse_num(n.substr(lb + 1, rb - lb - 1), a)) return false;
    addr = uint32_t(a);
    return true;
  }

  bool get_value(const std::string& n, uint64_t& v) {
    static const char* regs[] = {"eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi"};
    static const char* segs[] = {"es", "cs", "ss", "ds", "fs", "gs"};
    for (int k = 0; k < 8; ++k)
      if (n == regs[k]) { v = cpu.s.r[k]; return true; }
    for (int k = 0; k < 6; ++k)
      if (n == segs[k]) { v = cpu.s.seg[k].sel; return true; }
    if (n == "eip") { v = cpu.s.eip; return true; }
    if (n == "eflags") { v = cpu.flags(); return true; }
    if (n == "cr0") { v = cpu.s.cr0; return true; }
    if (n == "cr2") { v = cpu.s.cr2; return true; }
    if (n == "cr3") { v = cpu.s.cr3; return true; }
    if (n == "cr4") { v = cpu.s.cr4; return true; }
    if (n == "dr6") { v = cpu.s.dr[6]; return true; }
    if (n == "dr7") { v = cpu.s.dr[7]; return true; }
    if (n == "cpl") { v = cpu.s.cpl; return true; }
    if (n == "insns") { v = cpu.s.insns; return true; }
    if (n == "exc") { v = seen ? seen->vector : ~0ull; return true; }
    if (n == "err") { v = seen ? seen->error : 0; return true; }
    if (n.rfind("flags[", 0) == 0) {
      uint64_t mask;
      if (!parse_num(n.substr(6, n.size() - 7), mask)) return false;
      v = cpu.flags() & mask;
      return true;
    }
    uint32_t addr;
    if (parse_mem(n, addr)) {
      unsigned sz = n[1] == '8' ? 1 : n[1] == '1' ? 2 : 4;
      v = 0;
      std::memcpy(&v, ram.ptr(addr), sz);
      return true;
    }
    return false;
  }
};

// Run one test; returns an empty string on success, else what went wrong.
std::string run_test(const std::string& src, const std::string& bin) {
  std::string err;
  auto spec = parse_spec(src, err);
  if (!spec) return err;
  std::ifstream f(bin, std::ios::binary);
  std::vector<uint8_t> code((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  if (code.empty()) return "empty binary " + bin;

  Harness h;
  h.intercept_all = !spec->deliver_guest;
  std::memcpy(h.ram.ptr(kLoad), code.data(), code.size());
  h.setup_tables();
  Cpu& c = h.cpu;
  if (spec->mode == "real") {
    c.reset();
    c.load_seg_real(CS, kLoad >> 4);
    c.load_seg_real(DS, 0);
    c.load_seg_real(ES, 0);
    c.load_seg_real(SS, 0);
    c.s.eip = 0;
    c.s.r[ESP] = 0x8000;
  } else if (spec->mode == "pm32" || spec->mode == "ring3") {
    c.enter_flat_protected(kLoad);
    c.s.gdtr = {kGdt, 0xff};
    c.s.idtr = {kIdt, 0x7ff};
    uint64_t tss = make_desc(kTss, 0x67, 0x8b, 0);  // busy, as after LTR
    h.write64(kGdt + 0x38, tss);
    Cpu::cache_from_descriptor(c.s.tr, 0x38, tss);
    c.s.r[ESP] = 0x8fff0;
    if (spec->mode == "ring3") {
      uint64_t code3 = make_desc(0, 0xfffff, 0xfb, 0xc), data3 = make_desc(0, 0xfffff, 0xf3, 0xc);
      for (unsigned sgi = 0; sgi < kNumSeg; ++sgi)
        Cpu::cache_from_descriptor(c.s.seg[sgi], sgi == CS ? 0x1b : 0x23, sgi == CS ? code3 : data3);
      c.set_cpl(3);
      c.update_mode();
      c.s.r[ESP] = 0x7fff0;
    }
  } else {
    return "unknown mode '" + spec->mode + "'";
  }
  for (auto& [n, v] : spec->init)
    if (!h.set_value(n, v, err)) return err;

  StopReason r = c.run(spec->max_insns);
  bool want_exc = false, want_stop = false;
  std::string fails;
  for (auto& [n, want] : spec->expect) {
    if (n == "exc") want_exc = want != ~0ull;
    uint64_t got;
    if (n == "stop") {
      want_stop = true;
      got = uint64_t(r);
    } else if (!h.get_value(n, got)) {
      return "unknown expectation '" + n + "'";
    }
    if (got != want) {
      char buf[128];
      std::snprintf(buf, sizeof buf, " %s=%#llx (want %#llx)", n.c_str(), (unsigned long long)got,
                    (unsigned long long)want);
      fails += buf;
    }
  }
  if (!want_exc && h.seen) {
    char buf[96];
    std::snprintf(buf, sizeof buf, " unexpected exception %u (error %#x) at eip=%#x", h.seen->vector,
                  h.seen->error, c.s.eip);
    fails += buf;
    if (!c.last_unimplemented.empty()) fails += " [unimplemented " + c.last_unimplemented + "]";
  }
  if (!want_stop && !h.seen && r != StopReason::HaltIfOff && r != StopReason::Requested) {
    fails += std::string(" stopped: ") + stop_reason_name(r);
    if (r == StopReason::TripleFault) fails += " (" + c.triple_fault_reason() + ")";
  }
  return fails;
}

}  // namespace

int main(int argc, char** argv) {
  // Arguments come in pairs: SOURCE.S BINARY.bin
  int passed = 0, failed = 0;
  for (int k = 1; k + 1 < argc; k += 2) {
    std::string src = argv[k], bin = argv[k + 1];
    std::string name = src.substr(src.find("tests/asm/") == std::string::npos ? 0 : src.find("tests/asm/") + 10);
    std::string why;
    try {
      why = run_test(src, bin);
    } catch (const std::exception& e) {
      why = std::string(" exception: ") + e.what();
    }
    if (why.empty()) {
      ++passed;
      std::printf("ok   %s\n", name.c_str());
    } else {
      ++failed;
      std::printf("FAIL %s:%s\n", name.c_str(), why.c_str());
    }
  }
  std::printf("asm-tests: %d passed, %d failed\n", passed, failed);
  return failed ? 1 : 0;
}
