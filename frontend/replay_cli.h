// The command line of snapshots and record / replay (docs/replay.md): `pvlab run` with
// --snapshot-at / --restore / --hash, `pvlab record`, `pvlab replay`, `pvlab snapshot info`.
#pragma once
#include <CLI/CLI.hpp>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace pvlab {

// The `pvlab run` options a deterministic run understands.
struct SnapRunOptions {
  std::string image, bios, machine = "auto", mem = "64M", cmdline, rtc_epoch;
  std::string serial = "stdio", debugcon = "stdio";
  unsigned vcpus = 1;
  bool initdomain = false;
  uint64_t max_insns = 0, max_cycles = 0;
  bool stats = false;
  // The timing model (record): atomic or ooo, and the core's configuration file for ooo.
  std::string timing = "atomic", timing_config;
  std::string timing_engine;   // fast | cycle (recorded in the configuration text)
  // Snapshots.
  uint64_t snapshot_at = 0;
  bool snapshot_at_set = false;
  std::string snapshot_file;
  bool snapshot_stop = false;
  std::string restore;
  bool hash = false;
  std::function<std::string(bool)> input_poll;   // stdin
  // The built-in demo guest, used when no image is named.
  std::vector<uint8_t> demo;
};

// `pvlab run` with snapshot options: add them to the run command, and say whether they were
// given (then run_snapshot_mode() runs instead of the plain run).
void add_snapshot_run_options(CLI::App& run, SnapRunOptions& o);
bool snapshot_mode_requested(const SnapRunOptions& o);
int run_snapshot_mode(const SnapRunOptions& o);

// `pvlab record`, `pvlab replay`, `pvlab snapshot info`.
struct ReplayCommands {
  CLI::App* record = nullptr;
  CLI::App* replay = nullptr;
  CLI::App* snapshot = nullptr;
  CLI::App* snapshot_info = nullptr;
  SnapRunOptions run;            // record's run options
  std::string out = "run.pvr";
  uint64_t interval = 100'000'000;
  bool with_snapshots = false;
  std::string file;              // replay / snapshot info
  std::string replay_image;
  bool quiet = false, info = false;
  int gdb_port = 0;              // replay --gdb PORT
  bool gdb_wait = false;
  uint64_t reverse_interval = 0;
  size_t from_checkpoint = 0;    // replay --from-checkpoint N (1-based; 0: from the start)
  size_t full_every = 32;        // record --full-every K
};
void add_replay_commands(CLI::App& app, ReplayCommands& c);
// Runs the parsed command; -1 when none of them was given.
int run_replay_commands(ReplayCommands& c);

}  // namespace pvlab
