#include "frontend/run_pv.h"

#include <chrono>
#include <cstdio>

#include "frontend/exit_codes.h"
#include "frontend/state_dump.h"
#include "hyper/hypervisor.h"

namespace pvlab {

hyper::GuestImage guest_image_of(const ElfImage& img) {
  hyper::GuestImage g;
  g.path = img.path;
  g.elf_entry = img.entry;
  for (const ElfSegment& s : img.segments)
    g.segments.push_back({uint32_t(s.vaddr), uint32_t(s.file_size), uint32_t(s.mem_size),
                          img.bytes.data() + s.file_offset});
  for (const ElfNote& n : img.notes) g.notes.push_back({n.owner, n.type, n.desc});
  return g;
}

int run_pv(const ElfImage& img, const PvRunOptions& o) {
  hyper::HypervisorConfig cfg;
  cfg.domain_bytes = o.mem_bytes;
  cfg.vcpus = o.vcpus;
  cfg.cmdline = o.cmdline;
  cfg.initdomain = o.initdomain;
  hyper::Hypervisor hv(cfg);
  hv.set_console_sink([](char c) {
    std::fputc(c, stdout);
    if (c == '\n') std::fflush(stdout);
  });
  if (o.log_hcall) hv.set_hypercall_log(stderr);
  if (o.log_int) hv.set_event_log(stderr);
  std::string err;
  if (!hv.build(guest_image_of(img), err)) {
    std::fprintf(stderr, "pvlab: %s\n", err.c_str());
    return exit_code::kUsage;
  }
  if (o.max_cycles)
    for (unsigned i = 0; i < cfg.vcpus; ++i) hv.cpu(i).set_cycle_limit(o.max_cycles);

  auto t0 = std::chrono::steady_clock::now();
  hyper::PvRunResult r = hv.run(o.max_insns);
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::fflush(stdout);

  int status = exit_code::kInternal;
  bool dump = false;
  if (r.end == hyper::PvEnd::Shutdown) {
    switch (r.reason) {
      case hyper::ShutdownReason::PowerOff: status = exit_code::kPowerOff; break;
      case hyper::ShutdownReason::Reboot: status = exit_code::kReset; break;
      case hyper::ShutdownReason::Suspend: status = exit_code::kSuspend; break;
      case hyper::ShutdownReason::Watchdog: status = exit_code::kWatchdog; break;
      case hyper::ShutdownReason::Crash:
      case hyper::ShutdownReason::None: status = exit_code::kCrash; dump = true; break;
    }
    if (r.reason != hyper::ShutdownReason::PowerOff)
      std::fprintf(stderr, "pvlab: domain %s: %s\n", hyper::shutdown_reason_name(r.reason),
                   hv.domain().crash_reason.c_str());
  } else {
    std::fprintf(stderr, "pvlab: guest stopped: %s\n", stop_reason_name(r.stop));
    switch (r.stop) {
      case StopReason::InsnLimit:
      case StopReason::CycleLimit: status = exit_code::kLimit; break;
      case StopReason::Idle: status = exit_code::kIdle; break;
      case StopReason::HaltIfOff: status = exit_code::kHaltIfOff; break;
      default: status = exit_code::kInternal; dump = true; break;
    }
  }
  if (dump)
    for (unsigned i = 0; i < cfg.vcpus; ++i) {
      std::fprintf(stderr, "pvlab: vcpu %u:\n", i);
      std::fprintf(stderr, "%s", state_dump(hv.cpu(i)).c_str());
    }
  if (o.stats) {
    uint64_t insns = 0, cycles = 0;
    for (unsigned i = 0; i < cfg.vcpus; ++i) {
      insns += hv.cpu(i).s.insns;
      cycles = std::max(cycles, hv.cpu(i).s.cycles);
    }
    std::fprintf(stderr, "pvlab: %llu instructions, %llu cycles, %.3f s, %.1f MIPS\n",
                 (unsigned long long)insns, (unsigned long long)cycles, secs,
                 secs > 0 ? double(insns) / secs / 1e6 : 0.0);
    std::fprintf(stderr, "pvlab: %llu hypercalls (%llu refused)\n",
                 (unsigned long long)hv.hypercall_log().total(),
                 (unsigned long long)hv.hypercall_log().failed());
  }
  return status;
}

}  // namespace pvlab
