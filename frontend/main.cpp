// The pvlab command line.
#include <CLI/CLI.hpp>

#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <memory>
#include <cstdio>
#include <iostream>

#include "pv_demo_guest.h"
#include "frontend/exit_codes.h"
#include "frontend/gdb_stub.h"
#include "frontend/guest_log.h"
#include "frontend/machine.h"
#include "frontend/replay_cli.h"
#include "frontend/rtc_epoch.h"
#include "frontend/mem_size.h"
#include "frontend/run_pv.h"
#include "frontend/stdout_sink.h"
#include "frontend/state_dump.h"
#include "frontend/timing_setup.h"
#include "frontend/trace_cli.h"
#include "ui/debugger.h"

using namespace pvlab;

namespace {

struct RunOptions {
  std::string image;
  std::string bios;
  std::string machine = "auto";
  std::string mem = "64M";
  std::string cmdline;
  std::string serial = "stdio";
  std::string debugcon = "stdio";
  std::vector<std::string> log;
  std::string rtc_epoch;
  uint64_t max_insns = 0;
  uint64_t max_cycles = 0;
  bool stats = false;
  unsigned vcpus = 1;
  bool initdomain = false;
  int gdb_port = 0;
  bool gdb_wait = false;
  bool reverse = false;
  uint64_t reverse_interval = 0;
  TraceRunOptions trace;
  TimingOptions timing;
};

// A guest output destination: stdio, file:PATH or none.
bool open_sink(const std::string& spec, const char* what, std::function<void(char)>& sink,
               std::shared_ptr<FILE>& keep) {
  if (spec == "none") return true;
  if (spec == "stdio") {
    sink = put_guest_char;
    return true;
  }
  if (spec.rfind("file:", 0) == 0 && spec.size() > 5) {
    FILE* f = std::fopen(spec.c_str() + 5, "wb");
    if (!f) {
      std::fprintf(stderr, "pvlab: %s %s: cannot open for writing: %s\n", what, spec.c_str(),
                   std::strerror(errno));
      return false;
    }
    keep.reset(f, std::fclose);
    sink = [f](char c) { std::fputc(c, f); };
    return true;
  }
  std::fprintf(stderr, "pvlab: %s %s: expected stdio, file:PATH or none\n", what, spec.c_str());
  return false;
}

// Read what stdin has now (wait=false) or block until it has something or ends (wait=true).
std::string poll_stdin(bool wait) {
  static bool eof = false;
  if (eof) return {};
  pollfd p{0, POLLIN, 0};
  if (poll(&p, 1, wait ? -1 : 0) <= 0 || !(p.revents & (POLLIN | POLLHUP))) return {};
  char buf[512];
  ssize_t n = read(0, buf, sizeof buf);
  if (n <= 0) {
    eof = true;
    return {};
  }
  return std::string(buf, size_t(n));
}

// Multiboot v1 header: magic, flags, checksum, 4-byte aligned in the first 8 KiB.
bool has_multiboot_header(const std::vector<uint8_t>& b) {
  for (size_t off = 0; off + 12 <= b.size() && off < 8192; off += 4) {
    uint32_t w[3];
    std::memcpy(w, b.data() + off, 12);
    if (w[0] == 0x1badb002 && uint32_t(w[0] + w[1] + w[2]) == 0) return true;
  }
  return false;
}

std::optional<std::vector<uint8_t>> read_file(const std::string& path, std::string& err) {
  std::ifstream f(path, std::ios::binary);
  if (!f) {
    err = path + ": cannot open file";
    return std::nullopt;
  }
  return std::vector<uint8_t>((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
}

int do_run(const RunOptions& o) {
  for (const std::string& cat : o.log)
    if (cat == "help") {
      std::fputs(log_help().c_str(), stdout);
      return 0;
    }
  MachineConfig cfg;
  try {
    cfg.ram_bytes = parse_mem_size(o.mem);
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
  if (!o.rtc_epoch.empty() && !parse_rtc_epoch(o.rtc_epoch, cfg.rtc_epoch, err)) {
    std::fprintf(stderr, "pvlab: %s\n", err.c_str());
    return exit_code::kUsage;
  }
  unsigned log_mask = 0;
  if (!parse_log_categories(o.log, log_mask, err)) {
    std::fprintf(stderr, "pvlab: %s\n", err.c_str());
    return exit_code::kUsage;
  }
  GuestLog log(stderr, log_mask);
  TimingConfig tcfg;
  if (!prepare_timing(o.timing, tcfg, err)) {
    std::fprintf(stderr, "pvlab: %s\n", err.c_str());
    return exit_code::kUsage;
  }
  if (o.timing.ooo()) apply_timing_to_mmu(tcfg, cfg.cpu.mmu);

  std::optional<ElfImage> img;
  std::optional<std::vector<uint8_t>> bios;
  if (!o.bios.empty()) {
    bios = read_file(o.bios, err);
    if (!bios) {
      std::fprintf(stderr, "pvlab: %s\n", err.c_str());
      return exit_code::kUsage;
    }
  }
  if (o.image.empty() && !bios) {
    // The built-in guest: the PV demo, which shows the reasons of the refusals it provokes.
    img = parse_elf("(built-in demo guest)",
                    std::vector<uint8_t>(std::begin(kPvDemoGuest), std::end(kPvDemoGuest)), err);
    if (o.log.empty()) log_mask |= log_cat::kRefused;
  } else if (!o.image.empty()) {
    auto bytes = read_file(o.image, err);
    if (!bytes) {
      std::fprintf(stderr, "pvlab: %s\n", err.c_str());
      return exit_code::kUsage;
    }
    if (!looks_like_elf(*bytes)) {
      std::fprintf(stderr,
                   "pvlab: %s: not an ELF kernel; raw images boot as a BIOS ROM with --bios FILE\n",
                   o.image.c_str());
      return exit_code::kUsage;
    }
    img = parse_elf(o.image, std::move(*bytes), err);
  }
  if ((o.image.size() || !bios) && !img) {
    std::fprintf(stderr, "pvlab: %s\n", err.c_str());
    return exit_code::kUsage;
  }
  std::string machine = o.machine;
  if (machine == "auto") machine = img && is_pv_kernel(*img) ? "pv" : "pc";
  if (machine == "pv") {
    if (!img) {
      std::fprintf(stderr, "pvlab: --machine pv needs a PV kernel ELF, not a BIOS image\n");
      return exit_code::kUsage;
    }
    PvRunOptions po{cfg.ram_bytes, o.vcpus, o.cmdline, o.initdomain, o.max_insns, o.max_cycles,
                    o.stats, bool(log_mask & log_cat::kInt), bool(log_mask & log_cat::kHcall),
                    bool(log_mask & log_cat::kRefused), o.gdb_port, o.gdb_wait};
    po.trace = o.trace;
    po.reverse_interval = o.reverse ? (o.reverse_interval ? o.reverse_interval : Session::kReverseInterval) : 0;
    if (o.timing.ooo()) {
      po.timing = &tcfg;
      po.timing_stats = o.timing.stats_json;
      po.timing_pipeview = o.timing.pipeview;
    }
    if (o.serial == "stdio") po.input_poll = poll_stdin;   // stdin to the domain's console
    return run_pv(*img, po);
  }
  if (machine != "pc") {
    std::fprintf(stderr, "pvlab: --machine %s: expected pc or pv\n", machine.c_str());
    return exit_code::kUsage;
  }

  PcMachine m(cfg);
  std::function<void(char)> serial, debugcon;
  std::shared_ptr<FILE> serial_file, debugcon_file;
  if (!open_sink(o.serial, "--serial", serial, serial_file) ||
      !open_sink(o.debugcon, "--debugcon", debugcon, debugcon_file))
    return exit_code::kUsage;
  m.set_serial_sink(serial);
  m.set_debugcon_sink(debugcon);
  if (o.serial == "stdio" && !o.reverse) m.set_input_poll(poll_stdin);   // --reverse: no host input (a re-run must see the same)
  if (log_mask) m.set_log(&log);
  if (bios && !m.load_bios(*bios, err)) {
    std::fprintf(stderr, "pvlab: %s: %s\n", o.bios.c_str(), err.c_str());
    return exit_code::kUsage;
  }
  if (img && !m.load_multiboot(*img, err)) {
    std::fprintf(stderr, "pvlab: %s\n", err.c_str());
    return exit_code::kUsage;
  }
  if (img && !has_multiboot_header(img->bytes) && !o.image.empty())
    std::fprintf(stderr, "pvlab: %s: no Multiboot header; entering it the Multiboot way anyway\n",
                 o.image.c_str());
  if (o.max_cycles) m.cpu().set_cycle_limit(o.max_cycles);
  log.attach(m.cpu());
  std::unique_ptr<TraceSession> trace;
  if (o.trace.any()) {
    trace = TraceSession::open(o.trace, cfg.cpu_hz, "pvlab " + (o.image.empty() ? o.bios : o.image), err);
    if (!trace) {
      std::fprintf(stderr, "pvlab: %s\n", err.c_str());
      return exit_code::kUsage;
    }
    trace->attach_cpu(m.cpu(), 0);
    m.set_trace_sink(trace->events());
  }
  TimingModels timing;
  if (o.timing.ooo()) {
    timing.attach(tcfg, m.cpu());
    if (img) timing.set_functions(function_map_of(*img));
    if (!o.timing.pipeview.empty() && !timing.open_pipeview(o.timing.pipeview, err)) {
      std::fprintf(stderr, "pvlab: --timing-pipeview %s\n", err.c_str());
      return exit_code::kUsage;
    }
  }

  auto t0 = std::chrono::steady_clock::now();
  RunResult r;
  try {
    if (o.gdb_port) {
      int gdb_status = 0;
      GdbOptions go{o.gdb_port, o.gdb_wait, o.max_insns, o.reverse ? (o.reverse_interval ? o.reverse_interval : Session::kReverseInterval) : 0};
      if (o.timing.ooo()) go.timing = &timing;
      std::optional<RunResult> g = run_pc_with_gdb(m, go, gdb_status);
      if (!g) return gdb_status;
      r = *g;
    } else {
      r = m.run(o.max_insns);
    }
  } catch (const std::exception& e) {
    std::fflush(stdout);
    std::fprintf(stderr, "pvlab: internal error: %s\n%s", e.what(), state_dump(m.cpu()).c_str());
    return exit_code::kInternal;
  }
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::fflush(stdout);
  int status = exit_status(r);
  if (r.end == RunEnd::Stopped) {
    // Every way the CPU stops by itself is fatal for the guest: say why and where.
    std::fprintf(stderr, "pvlab: guest stopped: %s\n", stop_reason_name(r.stop));
    if (r.stop == StopReason::TripleFault)
      std::fprintf(stderr, "pvlab: %s\n", m.cpu().triple_fault_reason().c_str());
    if (!m.cpu().last_unimplemented.empty())
      std::fprintf(stderr, "pvlab: the guest used %s, which pvlab does not implement\n",
                   m.cpu().last_unimplemented.c_str());
    std::fprintf(stderr, "%s", state_dump(m.cpu()).c_str());
  }
  log.finish(m.bus());
  if (trace) {
    m.set_trace_sink(nullptr);
    if (!trace->finish(err)) std::fprintf(stderr, "pvlab: %s\n", err.c_str());
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
    timing.print(stderr);
  }
  if (!o.timing.stats_json.empty() && !timing.write_json(o.timing.stats_json, err)) {
    std::fprintf(stderr, "pvlab: --timing-stats %s\n", err.c_str());
    if (status == 0) status = exit_code::kUsage;
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
      "  pvlab run                      run the built-in demo guest (a Xen PV kernel)\n"
      "  pvlab run guest.elf --log hcall   boot a Xen PV kernel, showing every hypercall\n"
      "  pvlab run kernel.elf -m 128M   boot a Multiboot ELF kernel with 128 MiB of RAM\n"
      "  pvlab run kernel.elf --stats   print instruction, cycle and TLB counts at exit\n"
      "  pvlab run --bios rom.bin       start a raw ROM image from the reset vector\n"
      "  pvlab run k.elf --serial file:com1.txt --log int,io\n"
      "  pvlab run k.elf --rtc-epoch 2001-02-03T04:05:06 --log help\n"
      "  pvlab run k.elf --trace-insns a.pvt --trace-chrome ev.json   then: pvlab trace diff a.pvt b.pvt\n"
      "  pvlab run k.elf --snapshot-at 5000000 -o k.snap   save the machine at cycle 5,000,000\n"
      "  pvlab run --restore k.snap     resume it\n"
      "  pvlab record -o run.pvr k.elf  record a run; pvlab replay run.pvr re-runs and checks it\n"
      "Exit status: 0 power-off; odd values from isa-debug-exit ((value << 1) | 1); 2 bad usage or\n"
      "image; 4 HLT with interrupts off; 6 idle forever; 8 triple fault; 10 instruction or cycle\n"
      "limit; 12 internal error; 14 guest reset (PV: reboot); PV only: 16 crash, 18 suspend, 20 watchdog;\n"
      "22 pvlab replay: the run diverged from the recording.\n");
  RunOptions ro;
  CLI::App* run = app.add_subcommand("run", "boot an image (default: the built-in demo guest)");
  run->add_option("image", ro.image, "kernel: a Multiboot ELF (default: the built-in demo guest)");
  run->add_option("--bios", ro.bios, "raw ROM image mapped below 1 MiB and at 4 GiB; boots from the reset vector");
  run->add_option("--machine", ro.machine, "pc or pv (default: detected from the image)");
  run->add_option("--serial", ro.serial, "COM1: stdio, file:PATH or none")->capture_default_str();
  run->add_option("--debugcon", ro.debugcon, "port 0xE9 console: stdio, file:PATH or none")->capture_default_str();
  run->add_option("--log", ro.log, "log categories, comma-separated: int, pf, unimp, cpu, io, hcall; --log help describes them")->delimiter(',');
  run->add_option("--rtc-epoch", ro.rtc_epoch, "RTC time at power-on: SECONDS since 1970 or YYYY-MM-DDTHH:MM:SS (UTC; default 2024-01-01T00:00:00)");
  run->add_option("-m,--memory", ro.mem, "guest RAM, e.g. 64M or 1G")->capture_default_str();
  run->add_option("--cmdline", ro.cmdline, "kernel command line");
  run->add_option("--max-insns", ro.max_insns, "stop after this many instructions");
  run->add_option("--max-cycles", ro.max_cycles, "stop after this many cycles");
  run->add_option("--vcpus", ro.vcpus, "PV: virtual CPUs of the domain")->check(CLI::Range(1, 16));
  run->add_flag("--initdomain", ro.initdomain, "PV: boot the domain as the initial (privileged) domain");
  run->add_flag("--stats", ro.stats, "print instruction, cycle and TLB statistics at exit (and the CPI stack under --timing ooo)");
  run->add_option("--timing", ro.timing.mode, "timing model: atomic (a fixed cost per instruction class) or ooo (an out-of-order core, docs/timing.md)")->capture_default_str();
  run->add_option("--timing-config", ro.timing.config, "with --timing ooo: an INI file whose [timing] section sets the core (cpu/timing/configs/)");
  run->add_option("--timing-stats", ro.timing.stats_json, "with --timing ooo: write the CPI stack and counters to this JSON file at exit");
  run->add_option("--timing-pipeview", ro.timing.pipeview, "with --timing-engine cycle: write each retired instruction's fetch, dispatch, issue, complete and retire cycles to this file (the first vcpu)");
  run->add_option("--timing-engine", ro.timing.engine, "with --timing ooo: fast (each instruction scheduled once, the default) or cycle (a pipeline stepped cycle by cycle); overrides the file's engine key");
  CLI::Option* gdb_opt =
      run->add_option("--gdb", ro.gdb_port, "serve gdb's remote protocol on 127.0.0.1:PORT (docs/debugging.md)")
          ->check(CLI::Range(1, 65535));
  run->add_flag("--gdb-wait", ro.gdb_wait, "with --gdb: stop before the first instruction until gdb continues")
      ->needs(gdb_opt);
  CLI::Option* rev_opt =
      run->add_flag("--reverse", ro.reverse, "with --gdb: keep a history for reverse-stepi / reverse-continue")
          ->needs(gdb_opt);
  run->add_option("--reverse-interval", ro.reverse_interval, "with --reverse: instructions between in-memory snapshots (default 10000000)")
      ->needs(rev_opt);
  add_trace_run_options(run, ro.trace);
  TraceCommand trace_cmd;
  add_trace_command(app, trace_cmd);
  // Snapshots, record and replay (frontend/replay_cli.cpp, docs/replay.md).
  SnapRunOptions so;
  add_snapshot_run_options(*run, so);
  ReplayCommands rcmd;
  add_replay_commands(app, rcmd);
  ui::DebugOptions dbo;
  CLI::App* debug = ui::add_debug_command(app, dbo);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : exit_code::kUsage;
  }
  try {
    if (trace_cmd.app->parsed()) return trace_command_main(trace_cmd);
    if (debug->parsed()) {
      if (dbo.image.empty()) dbo.demo.assign(std::begin(kPvDemoGuest), std::end(kPvDemoGuest));
      return ui::debug_main(dbo);
    }
    const std::vector<uint8_t> demo(std::begin(kPvDemoGuest), std::end(kPvDemoGuest));
    rcmd.run.input_poll = poll_stdin;
    rcmd.run.demo = demo;
    if (int rr = run_replay_commands(rcmd); rr >= 0) return rr;
    if (snapshot_mode_requested(so)) {
      if (ro.gdb_port || !ro.log.empty() || ro.trace.any() || !ro.timing.stats_json.empty()) {
        std::fprintf(stderr, "pvlab: --gdb, --log, --trace-* and --timing-stats do not combine with --snapshot-at, --restore or --hash\n");
        return exit_code::kUsage;
      }
      so.timing = ro.timing.mode, so.timing_config = ro.timing.config, so.timing_engine = ro.timing.engine;
      so.image = ro.image, so.bios = ro.bios, so.machine = ro.machine, so.mem = ro.mem;
      so.cmdline = ro.cmdline, so.rtc_epoch = ro.rtc_epoch, so.serial = ro.serial;
      so.debugcon = ro.debugcon, so.vcpus = ro.vcpus, so.initdomain = ro.initdomain;
      so.max_insns = ro.max_insns, so.max_cycles = ro.max_cycles, so.stats = ro.stats;
      so.input_poll = poll_stdin;
      so.demo = demo;
      return run_snapshot_mode(so);
    }
    return do_run(ro);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "pvlab: internal error: %s\n", e.what());
    return exit_code::kInternal;
  }
}
