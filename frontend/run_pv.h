// `pvlab run` for a Xen PV kernel: the hypervisor builds the domain from the ELF file and
// runs it; the exit status tells how the domain ended.
#pragma once
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

#include "frontend/elf_image.h"
#include "cpu/timing/config.h"
#include "frontend/trace_session.h"

namespace pvlab::hyper {
struct GuestImage;
struct PvRunResult;
}  // namespace pvlab::hyper

namespace pvlab {

struct PvRunOptions {
  size_t mem_bytes = 64u << 20;
  unsigned vcpus = 1;
  std::string cmdline;
  bool initdomain = false;
  uint64_t max_insns = 0, max_cycles = 0;
  bool stats = false;
  bool log_int = false, log_hcall = false, log_refused = false;
  int gdb_port = 0;          // --gdb PORT: serve the gdb remote protocol (frontend/gdb_stub.h)
  bool gdb_wait = false;     // --gdb-wait: stop before the first instruction
  uint64_t reverse_interval = 0;   // --reverse: snapshot interval in instructions (0: off)
  // Host input for the domain's console (stdin): wait=false reads what is there now,
  // wait=true blocks until something comes or input ends (empty).
  std::function<std::string(bool wait)> input_poll;
  TraceRunOptions trace;     // --trace-insns, --trace-events, --trace-chrome
  // --timing ooo: the core every vcpu is timed on (null: the atomic model), and where its
  // JSON statistics go (empty: nowhere).
  const TimingConfig* timing = nullptr;
  std::string timing_stats;
  std::string timing_pipeview;   // --timing-pipeview FILE (vcpu 0, the cycle engine)
};

int run_pv(const ElfImage& img, const PvRunOptions& o);

// A PV kernel is an ELF file with Xen notes.
bool is_pv_kernel(const ElfImage& img);
// The builder's view of an ELF file (pointers into img.bytes).
hyper::GuestImage guest_image_of(const ElfImage& img);
// pvlab's exit status for how a domain's run ended; `dump` says whether a state dump helps.
int pv_exit_status(const hyper::PvRunResult& r, bool* dump = nullptr);

}  // namespace pvlab
