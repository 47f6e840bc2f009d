#include "frontend/run_pv.h"

#include <chrono>
#include <cstdio>
#include <memory>

#include "frontend/bsd_symtab.h"
#include "frontend/exit_codes.h"
#include "frontend/gdb_stub.h"
#include "frontend/pv_backends.h"
#include "frontend/state_dump.h"
#include "frontend/stdout_sink.h"
#include "frontend/timing_setup.h"
#include "hyper/hypervisor.h"

namespace pvlab {

hyper::GuestImage guest_image_of(const ElfImage& img) {
  hyper::GuestImage g;
  g.path = img.path;
  g.elf_entry = img.entry;
  for (const ElfSegment& s : img.segments)
    g.segments.push_back({uint32_t(s.vaddr), uint32_t(s.file_size), uint32_t(s.mem_size),
                          img.bytes.data() + s.file_offset});
  for (const ElfNote& n : img.notes) g.notes.push_back({n.owner, n.type, n.desc, n.desc_cut});
  if (img.xen_guest_section) g.xen_guest_section = *img.xen_guest_section;
  g.symtab = bsd_symtab_block(img.bytes, g.symtab_error);
  return g;
}

int pv_exit_status(const hyper::PvRunResult& r, bool* dump) {
  bool d = false;
  int status = exit_code::kInternal;
  if (r.end == hyper::PvEnd::Shutdown) {
    switch (r.reason) {
      case hyper::ShutdownReason::PowerOff: status = exit_code::kPowerOff; break;
      case hyper::ShutdownReason::Reboot: status = exit_code::kReset; break;
      case hyper::ShutdownReason::Suspend: status = exit_code::kSuspend; break;
      case hyper::ShutdownReason::Watchdog: status = exit_code::kWatchdog; break;
      case hyper::ShutdownReason::Crash:
      case hyper::ShutdownReason::None: status = exit_code::kCrash; d = true; break;
    }
  } else {
    switch (r.stop) {
      case StopReason::InsnLimit:
      case StopReason::CycleLimit: status = exit_code::kLimit; break;
      case StopReason::Idle: status = exit_code::kIdle; break;
      case StopReason::HaltIfOff: status = exit_code::kHaltIfOff; break;
      default: status = exit_code::kInternal; d = true; break;
    }
  }
  if (dump) *dump = d;
  return status;
}

bool is_pv_kernel(const ElfImage& img) {
  for (const auto& n : img.notes)
    if (n.owner == "Xen") return true;
  return false;
}

namespace {

uint64_t insns_of(hyper::Hypervisor& hv) {
  uint64_t n = 0;
  for (unsigned i = 0; i < hv.config().vcpus; ++i) n += hv.cpu(i).s.insns;
  return n;
}

// With host input the run goes in slices; between them what the host has is queued for the
// console at the domain's current cycle, and when every vcpu waits with nothing that could
// wake it, the run waits for input on the host.
hyper::PvRunResult run_with_input(hyper::Hypervisor& hv, InputQueue& input,
                                  const std::function<std::string(bool)>& poll, uint64_t max_insns) {
  constexpr uint64_t kSlice = 4'000'000;
  uint64_t left = max_insns ? max_insns : ~0ull;
  for (;;) {
    const uint64_t before = insns_of(hv);
    hyper::PvRunResult r = hv.run(std::min(kSlice, left));
    left -= std::min(left, insns_of(hv) - before);
    if (r.end != hyper::PvEnd::Stopped) return r;
    const bool idle = r.stop == StopReason::Idle;
    if (!idle && !(r.stop == StopReason::InsnLimit && left > 0)) return r;
    const std::string in = poll(idle);
    if (!in.empty()) input.push(hv.now(), input_source::kXenConsole, in);
    else if (idle) return r;   // input ended: nothing will ever wake the domain
  }
}

}  // namespace

int run_pv(const ElfImage& img, const PvRunOptions& o) {
  hyper::HypervisorConfig cfg;
  cfg.domain_bytes = o.mem_bytes;
  cfg.vcpus = o.vcpus;
  cfg.cmdline = o.cmdline;
  cfg.initdomain = o.initdomain;
  if (o.timing) apply_timing_to_mmu(*o.timing, cfg.cpu.mmu);
  hyper::Hypervisor hv(cfg);
  hv.set_console_sink(put_guest_char);
  if (o.log_hcall) hv.set_hypercall_log(stderr);
  if (o.log_refused) hv.set_refusal_log(stderr);
  if (o.log_int) hv.set_event_log(stderr);
  std::string err;
  if (!hv.build(guest_image_of(img), err)) {
    std::fprintf(stderr, "pvlab: %s\n", err.c_str());
    return exit_code::kUsage;
  }
  if (o.max_cycles)
    for (unsigned i = 0; i < cfg.vcpus; ++i) hv.cpu(i).set_cycle_limit(o.max_cycles);
  std::unique_ptr<TraceSession> trace;
  if (o.trace.any()) {
    trace = TraceSession::open(o.trace, cfg.cpu_hz, "pvlab " + img.path, err);
    if (!trace) {
      std::fprintf(stderr, "pvlab: %s\n", err.c_str());
      return exit_code::kUsage;
    }
    for (unsigned i = 0; i < cfg.vcpus; ++i) trace->attach_cpu(hv.cpu(i), i);
    hv.set_trace_sink(trace->events());
  }
  // The console's back half: the ring drained to stdout, host input into the ring.
  PvBackends back(hv, !cfg.initdomain);
  if (!back.console().attached()) std::fprintf(stderr, "pvlab: console: %s\n", back.console().error().c_str());
  xen::XenstoreBackend* store = back.store();
  if (store && !store->attached()) std::fprintf(stderr, "pvlab: xenstore: %s\n", store->error().c_str());
  const bool store_attached = store && store->attached();

  TimingModels timing;
  if (o.timing)
    for (unsigned i = 0; i < cfg.vcpus; ++i) timing.attach(*o.timing, hv.cpu(i));
  if (o.timing) {
    hv.set_timing_hook(&timing);
    timing.set_functions(function_map_of(img));
    std::string perr;
    if (!o.timing_pipeview.empty() && !timing.open_pipeview(o.timing_pipeview, perr)) {
      std::fprintf(stderr, "pvlab: --timing-pipeview %s\n", perr.c_str());
      return exit_code::kUsage;
    }
  }

  auto t0 = std::chrono::steady_clock::now();
  hyper::PvRunResult r;
  if (o.gdb_port) {
    int gdb_status = 0;
    GdbOptions go{o.gdb_port, o.gdb_wait, o.max_insns, o.reverse_interval};
    if (o.timing) go.timing = &timing;
    std::optional<hyper::PvRunResult> g = run_pv_with_gdb(hv, back, go, gdb_status);
    if (!g) return gdb_status;
    r = *g;
  } else if (o.input_poll) {
    r = run_with_input(hv, back.input(), o.input_poll, o.max_insns);
  } else {
    r = hv.run(o.max_insns);
  }
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::fflush(stdout);
  if (trace) {
    hv.set_trace_sink(nullptr);
    if (!trace->finish(err)) std::fprintf(stderr, "pvlab: %s\n", err.c_str());
  }

  if (store_attached && !store->attached())   // a protocol error during the run
    std::fprintf(stderr, "pvlab: xenstore: %s\n", store->error().c_str());
  bool dump = false;
  int status = pv_exit_status(r, &dump);
  if (r.end == hyper::PvEnd::Shutdown) {
    if (r.reason != hyper::ShutdownReason::PowerOff)
      std::fprintf(stderr, "pvlab: domain %s: %s\n", hyper::shutdown_reason_name(r.reason),
                   hv.domain().crash_reason.c_str());
  } else {
    std::fprintf(stderr, "pvlab: guest stopped: %s\n", stop_reason_name(r.stop));
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
    uint64_t ih = 0, im = 0, dh = 0, dm = 0, walks = 0;
    for (unsigned i = 0; i < cfg.vcpus; ++i) {
      auto& it = hv.cpu(i).mmu().itlb().stats();
      auto& dt = hv.cpu(i).mmu().dtlb().stats();
      ih += it.hits, im += it.misses, dh += dt.hits, dm += dt.misses, walks += it.walks + dt.walks;
    }
    std::fprintf(stderr, "pvlab: I-TLB %llu hits %llu misses, D-TLB %llu hits %llu misses, %llu walks\n",
                 (unsigned long long)ih, (unsigned long long)im, (unsigned long long)dh,
                 (unsigned long long)dm, (unsigned long long)walks);
    std::fprintf(stderr, "pvlab: %llu hypercalls (%llu refused)\n",
                 (unsigned long long)hv.hypercall_log().total(),
                 (unsigned long long)hv.hypercall_log().failed());
    if (store) std::fprintf(stderr, "pvlab: %llu xenstore requests\n", (unsigned long long)store->store().requests());
    timing.print(stderr);
  }
  if (!o.timing_stats.empty() && !timing.write_json(o.timing_stats, err)) {
    std::fprintf(stderr, "pvlab: --timing-stats %s\n", err.c_str());
    if (status == 0) status = exit_code::kUsage;
  }
  return status;
}

}  // namespace pvlab
