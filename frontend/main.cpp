// The pvlab command line.
#include <CLI/CLI.hpp>

#include <chrono>
#include <cstdio>
#include <iostream>

#include "demo_guest.h"
#include "frontend/exit_codes.h"
#include "frontend/machine.h"
#include "frontend/state_dump.h"

using namespace pvlab;

namespace {

size_t parse_mem(const std::string& s) {
  size_t pos = 0;
  unsigned long long v = std::stoull(s, &pos);
  std::string unit = s.substr(pos);
  if (unit.empty() || unit == "M" || unit == "m" || unit == "MiB") return size_t(v) << 20;
  if (unit == "G" || unit == "g" || unit == "GiB") return size_t(v) << 30;
  if (unit == "K" || unit == "k" || unit == "KiB") return size_t(v) << 10;
  throw std::invalid_argument("unknown memory unit '" + unit + "'");
}

struct RunOptions {
  std::string image;
  std::string mem = "64M";
  std::string cmdline;
  uint64_t max_insns = 0;
  uint64_t max_cycles = 0;
  bool stats = false;
};

int do_run(const RunOptions& o) {
  MachineConfig cfg;
  try {
    cfg.ram_bytes = parse_mem(o.mem);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "pvlab: -m %s: %s\n", o.mem.c_str(), e.what());
    return exit_code::kUsage;
  }
  if (cfg.ram_bytes < (2u << 20) || cfg.ram_bytes > (3ull << 30)) {
    std::fprintf(stderr, "pvlab: -m %s: guest RAM must be between 2 MiB and 3 GiB\n", o.mem.c_str());
    return exit_code::kUsage;
  }
  cfg.cmdline = o.cmdline;
  std::string err;
  std::optional<ElfImage> img;
  if (o.image.empty()) {
    img = parse_elf("(built-in demo guest)", std::vector<uint8_t>(std::begin(kDemoGuest), std::end(kDemoGuest)), err);
  } else {
    img = read_elf(o.image, err);
  }
  if (!img) {
    std::fprintf(stderr, "pvlab: %s\n", err.c_str());
    return exit_code::kUsage;
  }
  PcMachine m(cfg);
  m.set_console_echo([](char c) { std::fputc(c, stdout); if (c == '\n') std::fflush(stdout); });
  if (!m.load_multiboot(*img, err)) {
    std::fprintf(stderr, "pvlab: %s\n", err.c_str());
    return exit_code::kUsage;
  }
  if (o.max_cycles) m.cpu().set_cycle_limit(o.max_cycles);
  auto t0 = std::chrono::steady_clock::now();
  RunResult r = m.run(o.max_insns);
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::fflush(stdout);
  int status = exit_status(r);
  if (r.end == RunEnd::Stopped) {
    std::fprintf(stderr, "pvlab: guest stopped: %s\n", stop_reason_name(r.stop));
    if (r.stop == StopReason::TripleFault)
      std::fprintf(stderr, "pvlab: %s\n", m.cpu().triple_fault_reason().c_str());
    if (r.stop == StopReason::TripleFault || !m.cpu().last_unimplemented.empty())
      std::fprintf(stderr, "%s", state_dump(m.cpu()).c_str());
  }
  if (o.stats) {
    const CpuState& s = m.cpu().s;
    auto& it = m.cpu().mmu().itlb().stats();
    auto& dt = m.cpu().mmu().dtlb().stats();
    std::fprintf(stderr,
                 "pvlab: %llu instructions, %llu cycles, %.3f s, %.1f MIPS\n"
                 "pvlab: I-TLB %llu hits %llu misses, D-TLB %llu hits %llu misses, %llu walks\n",
                 (unsigned long long)s.insns, (unsigned long long)s.cycles, secs,
                 secs > 0 ? double(s.insns) / secs / 1e6 : 0.0, (unsigned long long)it.hits,
                 (unsigned long long)it.misses, (unsigned long long)dt.hits,
                 (unsigned long long)dt.misses, (unsigned long long)(it.walks + dt.walks));
  }
  return status;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"pvlab: an IA-32 emulator with a Xen-style PV hypervisor, a timing model and a debugger"};
  app.set_version_flag("--version", std::string("pvlab ") + PVLAB_VERSION);
  app.require_subcommand(0, 1);
  app.footer(
      "Examples:\n"
      "  pvlab run                      run the built-in demo guest\n"
      "  pvlab run kernel.elf -m 128M   boot a Multiboot ELF kernel with 128 MiB of RAM\n"
      "  pvlab run kernel.elf --stats   print instruction, cycle and TLB counts at exit\n");
  RunOptions ro;
  CLI::App* run = app.add_subcommand("run", "boot an image (default: the built-in demo guest)");
  run->add_option("image", ro.image, "Multiboot ELF kernel");
  run->add_option("-m,--memory", ro.mem, "guest RAM, e.g. 64M or 1G")->capture_default_str();
  run->add_option("--cmdline", ro.cmdline, "kernel command line");
  run->add_option("--max-insns", ro.max_insns, "stop after this many instructions");
  run->add_option("--max-cycles", ro.max_cycles, "stop after this many cycles");
  run->add_flag("--stats", ro.stats, "print instruction, cycle and TLB statistics at exit");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : exit_code::kUsage;
  }
  try {
    return do_run(ro);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "pvlab: internal error: %s\n", e.what());
    return exit_code::kInternal;
  }
}
