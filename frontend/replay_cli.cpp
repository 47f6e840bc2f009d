#include "frontend/replay_cli.h"

#include <cstdio>
#include <memory>

#include "frontend/det_run.h"
#include "frontend/exit_codes.h"
#include "frontend/rtc_epoch.h"
#include "frontend/mem_size.h"
#include "frontend/replay_gdb.h"
#include "frontend/run_pv.h"
#include "frontend/stdout_sink.h"
#include "frontend/snapshot.h"
#include "frontend/state_file.h"

namespace pvlab {

namespace {

// The image a spec names: its file (or `from` when given: the bytes of a moved image, while
// the machine keeps the path it was recorded with, which is part of its state), or the
// built-in demo guest.
bool image_bytes(const MachineSpec& spec, const std::vector<uint8_t>& demo, std::vector<uint8_t>& out,
                 std::string& err, const std::string& from = {}) {
  if (!from.empty()) return load_file(from, out, err);
  if (spec.image_path.empty()) {
    out = demo;
    return true;
  }
  return load_file(spec.image_path, out, err);
}

// A MachineSpec from the run options, the way `pvlab run` picks the machine.
bool spec_from_options(const SnapRunOptions& o, MachineSpec& spec, std::vector<uint8_t>& image,
                       std::string& err) {
  try {
    spec.ram_bytes = parse_mem_size(o.mem);
  } catch (const std::exception& e) {
    err = "-m " + o.mem + ": " + e.what();
    return false;
  }
  if (spec.ram_bytes < (2u << 20) || spec.ram_bytes > (3ull << 30)) {
    err = "-m " + o.mem + ": guest RAM must be between 2 MiB and 3 GiB";
    return false;
  }
  spec.cmdline = o.cmdline;
  spec.vcpus = o.vcpus;
  spec.initdomain = o.initdomain;
  if (!o.rtc_epoch.empty() && !parse_rtc_epoch(o.rtc_epoch, spec.rtc_epoch, err)) return false;
  if (!o.bios.empty()) {
    if (!o.image.empty()) {
      err = "give either an image or --bios, not both, with snapshots and recordings";
      return false;
    }
    spec.bios = true;
    spec.image_path = o.bios;
    if (!load_file(o.bios, image, err)) return false;
  } else if (!o.image.empty()) {
    spec.image_path = o.image;
    if (!load_file(o.image, image, err)) return false;
    if (!looks_like_elf(image)) {
      err = o.image + ": not an ELF kernel; raw images boot as a BIOS ROM with --bios FILE";
      return false;
    }
  } else {
    image = o.demo;
  }
  spec.image_hash = state_hash(image);
  if (o.timing != "atomic" && o.timing != "ooo") {
    err = "--timing " + o.timing + ": expected atomic or ooo";
    return false;
  }
  if (o.timing == "ooo") {
    spec.timing = "[timing]\n";
    if (!o.timing_config.empty()) {
      std::vector<uint8_t> text;
      if (!load_file(o.timing_config, text, err)) return false;
      spec.timing.assign(text.begin(), text.end());
      TimingConfig check;
      if (!parse_timing_config(spec.timing, o.timing_config, check, err)) return false;
    }
    if (!o.timing_engine.empty()) {
      if (o.timing_engine != "fast" && o.timing_engine != "cycle") {
        err = "--timing-engine " + o.timing_engine + ": expected fast or cycle";
        return false;
      }
      spec.timing += "\n[timing]\nengine = " + o.timing_engine + "\n";
    }
  } else if (!o.timing_config.empty() || !o.timing_engine.empty()) {
    err = "--timing-config and --timing-engine need --timing ooo";
    return false;
  }
  std::string machine = o.machine;
  if (machine == "auto") {
    machine = "pc";
    if (!spec.bios) {
      std::string perr;
      auto elf = parse_elf(spec.image_path, image, perr);
      if (!elf) {
        err = perr;
        return false;
      }
      if (is_pv_kernel(*elf)) machine = "pv";
    }
  }
  if (machine != "pc" && machine != "pv") {
    err = "--machine " + machine + ": expected pc or pv";
    return false;
  }
  spec.kind = machine;
  return true;
}

bool sink_of(const std::string& spec, const char* what, std::function<void(char)>& sink) {
  if (spec == "none") return true;
  if (spec == "stdio") {
    sink = put_guest_char;
    return true;
  }
  std::fprintf(stderr, "pvlab: %s %s: snapshot, record and replay runs take stdio or none\n", what,
               spec.c_str());
  return false;
}

std::unique_ptr<SnapMachine> build(const MachineSpec& spec, std::vector<uint8_t> image,
                                   const SnapRunOptions& o) {
  std::string err;
  std::unique_ptr<SnapMachine> m = SnapMachine::create(spec, std::move(image), err);
  if (!m) {
    std::fprintf(stderr, "pvlab: %s\n", err.c_str());
    return nullptr;
  }
  std::function<void(char)> serial, debugcon;
  if (!sink_of(o.serial, "--serial", serial) || !sink_of(o.debugcon, "--debugcon", debugcon)) return nullptr;
  m->set_sinks(serial, debugcon);
  return m;
}

int finish(const DetRunResult& r) {
  if (!r.error.empty()) {
    std::fprintf(stderr, "pvlab: %s\n", r.error.c_str());
    return exit_code::kUsage;
  }
  return r.status;
}

}  // namespace

void add_snapshot_run_options(CLI::App& run, SnapRunOptions& o) {
  CLI::Option* at = run.add_option("--snapshot-at", o.snapshot_at,
                                   "save the whole machine when its time reaches CYCLE (the first stop point at or after it), then go on");
  run.add_option("-o,--snapshot-file", o.snapshot_file, "where --snapshot-at writes the snapshot")->needs(at);
  run.add_flag("--snapshot-stop", o.snapshot_stop, "end the run once the snapshot is written")->needs(at);
  run.add_option("--restore", o.restore, "resume from a snapshot file (the image comes from the snapshot unless given)");
  run.add_flag("--hash", o.hash, "print a 64-bit hash of the whole machine state at exit");
  run.callback([&o, at] { o.snapshot_at_set = at->count() > 0; });
}

bool snapshot_mode_requested(const SnapRunOptions& o) {
  return o.snapshot_at_set || !o.restore.empty() || o.hash;
}

int run_snapshot_mode(const SnapRunOptions& o) {
  if (o.snapshot_at_set && o.snapshot_file.empty()) {
    std::fprintf(stderr, "pvlab: --snapshot-at needs -o FILE (--snapshot-file)\n");
    return exit_code::kUsage;
  }
  std::string err;
  MachineSpec spec;
  std::vector<uint8_t> image;
  StateFile snap;
  SnapshotInfo info;
  if (!o.restore.empty()) {
    std::vector<uint8_t> bytes;
    if (!load_file(o.restore, bytes, err) || !read_snapshot(bytes, snap, info, err)) {
      std::fprintf(stderr, "pvlab: %s: %s\n", o.restore.c_str(), err.c_str());
      return exit_code::kUsage;
    }
    spec = info.spec;
    // The snapshot holds its timing model and that model's state: a restore goes on with it.
    if ((o.timing == "ooo" && spec.timing.empty()) || !o.timing_config.empty()) {
      std::fprintf(stderr, "pvlab: %s: a restore goes on with the timing model the snapshot was taken with (%s)%s\n",
                   o.restore.c_str(), spec.timing.empty() ? "atomic" : "ooo",
                   o.timing_config.empty() ? "" : ": no --timing-config");
      return exit_code::kUsage;
    }
    if (!o.image.empty()) spec.image_path = o.image;
    if (!image_bytes(spec, o.demo, image, err)) {
      std::fprintf(stderr, "pvlab: %s\n", err.c_str());
      return exit_code::kUsage;
    }
  } else if (!spec_from_options(o, spec, image, err)) {
    std::fprintf(stderr, "pvlab: %s\n", err.c_str());
    return exit_code::kUsage;
  }
  std::unique_ptr<SnapMachine> m = build(spec, std::move(image), o);
  if (!m) return exit_code::kUsage;
  if (!o.restore.empty()) {
    if (!restore_snapshot(*m, snap, info, err)) {
      std::fprintf(stderr, "pvlab: %s: %s\n", o.restore.c_str(), err.c_str());
      return exit_code::kUsage;
    }
    std::fprintf(stderr, "pvlab: resumed at cycle %llu from %s\n", (unsigned long long)m->cycles(),
                 o.restore.c_str());
  }
  DetRunOptions d;
  d.max_insns = o.max_insns;
  d.max_cycles = o.max_cycles;
  if (o.snapshot_at_set) d.snapshot_at = o.snapshot_at;
  d.snapshot_file = o.snapshot_file;
  d.stop_after_snapshot = o.snapshot_stop;
  if (o.serial == "stdio") d.input_poll = o.input_poll;
  d.stats = o.stats;
  d.hash = o.hash;
  return finish(det_run(*m, d));
}

void add_replay_commands(CLI::App& app, ReplayCommands& c) {
  SnapRunOptions& o = c.run;
  c.record = app.add_subcommand("record", "run an image and record every outside input with checkpoints (docs/replay.md)");
  CLI::App* r = c.record;
  r->add_option("image", o.image, "kernel ELF (default: the built-in demo guest)");
  r->add_option("-o,--output", c.out, "the recording to write")->capture_default_str();
  r->add_option("--snapshot-interval", c.interval, "cycles between checkpoints (state hashes)")->capture_default_str();
  CLI::Option* with = r->add_flag("--with-snapshots", c.with_snapshots,
                                  "store a snapshot at every checkpoint too (incremental: the RAM pages written since the one before)");
  r->add_option("--full-every", c.full_every,
                "with --with-snapshots: a whole snapshot every K checkpoints (and when the incremental ones outgrow it)")
      ->check(CLI::Range(size_t(1), size_t(1) << 20))
      ->capture_default_str()
      ->needs(with);
  r->add_option("--bios", o.bios, "raw ROM image instead of an ELF kernel");
  r->add_option("--machine", o.machine, "pc or pv (default: detected from the image)");
  r->add_option("--serial", o.serial, "COM1 / PV console output: stdio or none (input: stdin)")->capture_default_str();
  r->add_option("--debugcon", o.debugcon, "port 0xE9 console: stdio or none")->capture_default_str();
  r->add_option("--rtc-epoch", o.rtc_epoch, "RTC time at power-on (as for pvlab run)");
  r->add_option("-m,--memory", o.mem, "guest RAM, e.g. 64M")->capture_default_str();
  r->add_option("--cmdline", o.cmdline, "kernel command line");
  r->add_option("--max-insns", o.max_insns, "stop after this many instructions");
  r->add_option("--max-cycles", o.max_cycles, "stop after this many cycles");
  r->add_option("--vcpus", o.vcpus, "PV: virtual CPUs of the domain")->check(CLI::Range(1, 16));
  r->add_flag("--initdomain", o.initdomain, "PV: boot the domain as the initial domain");
  r->add_flag("--stats", o.stats, "print instruction, cycle and TLB statistics at exit (and the CPI stack under --timing ooo)");
  r->add_option("--timing", o.timing, "timing model: atomic or ooo (docs/timing.md); a replay uses the recorded one")->capture_default_str();
  r->add_option("--timing-config", o.timing_config, "with --timing ooo: the core's INI file (recorded whole)");
  r->add_option("--timing-engine", o.timing_engine, "with --timing ooo: fast or cycle (docs/timing.md; recorded)");

  c.replay = app.add_subcommand("replay", "re-run a recording, feeding its inputs and comparing every checkpoint");
  c.replay->add_option("recording", c.file, "the recording (pvlab record -o FILE)")->required();
  c.replay->add_option("--image", c.replay_image, "the image to use instead of the path the recording names");
  c.replay->add_flag("-q,--quiet", c.quiet, "do not print the guest's output");
  c.replay->add_flag("--info", c.info, "describe the recording and exit");
  c.replay->add_option("--from-checkpoint", c.from_checkpoint,
                       "start from checkpoint N (1 = the first) of a recording made --with-snapshots")
      ->check(CLI::PositiveNumber);
  CLI::Option* gdb = c.replay->add_option(
      "--gdb", c.gdb_port, "serve the replay to gdb on 127.0.0.1:PORT with reverse execution (docs/debugging.md)");
  c.replay->add_flag("--gdb-wait", c.gdb_wait, "with --gdb: stop before the first instruction until gdb continues")
      ->needs(gdb);
  c.replay->add_option("--reverse-interval", c.reverse_interval,
                       "with --gdb: instructions between in-memory snapshots (default 10000000)")
      ->needs(gdb);

  c.snapshot = app.add_subcommand("snapshot", "inspect snapshot files");
  c.snapshot->require_subcommand(1);
  c.snapshot_info = c.snapshot->add_subcommand("info", "print what a snapshot file holds");
  c.snapshot_info->add_option("file", c.file, "the snapshot")->required();
}

int run_replay_commands(ReplayCommands& c) {
  std::string err;
  if (c.snapshot_info && c.snapshot_info->parsed()) {
    std::vector<uint8_t> bytes;
    StateFile f;
    SnapshotInfo info;
    if (!load_file(c.file, bytes, err) || !read_snapshot(bytes, f, info, err)) {
      std::fprintf(stderr, "pvlab: %s: %s\n", c.file.c_str(), err.c_str());
      return exit_code::kUsage;
    }
    std::fputs(describe_snapshot(f, info).c_str(), stdout);
    return 0;
  }
  if (c.record && c.record->parsed()) {
    MachineSpec spec;
    std::vector<uint8_t> image;
    if (!spec_from_options(c.run, spec, image, err)) {
      std::fprintf(stderr, "pvlab: %s\n", err.c_str());
      return exit_code::kUsage;
    }
    std::unique_ptr<SnapMachine> m = build(spec, std::move(image), c.run);
    if (!m) return exit_code::kUsage;
    Recording rec;
    rec.spec = spec;
    rec.max_insns = c.run.max_insns;
    rec.max_cycles = c.run.max_cycles;
    DetRunOptions d;
    d.max_insns = c.run.max_insns;
    d.max_cycles = c.run.max_cycles;
    d.input_poll = c.run.input_poll;
    d.record = &rec;
    d.interval = c.interval;
    d.record_snapshots = c.with_snapshots;
    d.full_every = c.full_every;
    d.stats = c.run.stats;
    DetRunResult r = det_run(*m, d);
    if (!save_file(c.out, write_recording(rec), err)) {
      std::fprintf(stderr, "pvlab: %s\n", err.c_str());
      return exit_code::kUsage;
    }
    std::fprintf(stderr, "pvlab: recorded %zu inputs and %zu checkpoints to %s (final hash %s)\n",
                 rec.inputs.size(), r.checkpoints, c.out.c_str(), hash_hex(rec.end.hash).c_str());
    return finish(r);
  }
  if (c.replay && c.replay->parsed()) {
    std::vector<uint8_t> bytes;
    Recording rec;
    if (!load_file(c.file, bytes, err) || !read_recording(bytes, rec, err)) {
      std::fprintf(stderr, "pvlab: %s: %s\n", c.file.c_str(), err.c_str());
      return exit_code::kUsage;
    }
    if (c.info) {
      std::fputs(describe_recording(rec).c_str(), stdout);
      return 0;
    }
    if (c.from_checkpoint && c.gdb_port) {
      std::fprintf(stderr, "pvlab: %s: --from-checkpoint does not combine with --gdb\n", c.file.c_str());
      return exit_code::kUsage;
    }
    if (c.gdb_port) {
      if (const std::string why = replay_gdb_refusal(rec); !why.empty()) {
        std::fprintf(stderr, "pvlab: %s: --gdb: %s\n", c.file.c_str(), why.c_str());
        return exit_code::kUsage;
      }
    }
    std::vector<uint8_t> image;
    if (!image_bytes(rec.spec, c.run.demo, image, err, c.replay_image)) {
      std::fprintf(stderr, "pvlab: %s\n", err.c_str());
      return exit_code::kUsage;
    }
    SnapRunOptions out;
    out.serial = out.debugcon = c.quiet || c.gdb_port ? "none" : "stdio";   // --gdb prints through the target
    std::unique_ptr<SnapMachine> m = build(rec.spec, std::move(image), out);
    if (!m) return exit_code::kUsage;
    if (c.gdb_port) return replay_with_gdb(*m, rec, c.gdb_port, c.gdb_wait, c.reverse_interval, c.quiet);
    DetRunOptions d;
    d.max_insns = rec.max_insns;
    d.max_cycles = rec.max_cycles;
    d.replay = &rec;
    if (c.from_checkpoint) {
      const size_t k = c.from_checkpoint - 1;
      const std::vector<const std::vector<uint8_t>*> chain = checkpoint_chain(rec, k, err);
      const size_t first = k + 1 - chain.size();
      auto what = [first](size_t i) { return "checkpoint " + std::to_string(first + i + 1); };
      if (chain.empty() || !restore_snapshot_chain(*m, chain, what, err)) {
        std::fprintf(stderr, "pvlab: %s: --from-checkpoint %zu: %s\n", c.file.c_str(), c.from_checkpoint,
                     err.c_str());
        return exit_code::kUsage;
      }
      std::fprintf(stderr, "pvlab: replaying from checkpoint %zu at cycle %llu (rebuilt from %zu snapshot%s)\n",
                   c.from_checkpoint, (unsigned long long)m->cycles(), chain.size(), chain.size() == 1 ? "" : "s");
      d.first_check = c.from_checkpoint;
      d.first_input = rec.checkpoints[k].inputs;
    }
    DetRunResult r = det_run(*m, d);
    if (r.diverged) {
      std::fprintf(stderr, "replay: %s\n", r.divergence.c_str());
      return exit_code::kDiverged;
    }
    std::fprintf(stderr, "replay: identical (%zu checkpoints)\n", r.checkpoints);
    return 0;
  }
  return -1;
}

}  // namespace pvlab
