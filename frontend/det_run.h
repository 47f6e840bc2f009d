// The run loop behind `pvlab run --snapshot-at / --restore / --hash`, `pvlab record` and
// `pvlab replay`: a SnapMachine run in pieces that end at stop points (frontend/snap_machine.h),
// where snapshots are written, checkpoint hashes taken or compared, host input polled and
// recorded inputs fed back at the cycle they were first seen.
#pragma once
#include <cstdint>
#include <functional>
#include <string>

#include "frontend/recording.h"
#include "frontend/snap_machine.h"

namespace pvlab {

struct DetRunOptions {
  uint64_t max_insns = 0, max_cycles = 0;
  uint64_t snapshot_at = ~0ull;   // write a snapshot at the first stop point at or after this cycle
  std::string snapshot_file;
  bool stop_after_snapshot = false;
  // Host input (stdin): wait=false reads what is there now, wait=true blocks until something
  // comes or input ends (empty). Unset: no host input.
  std::function<std::string(bool wait)> input_poll;
  uint64_t poll_cycles = 1u << 20;   // how often host input is looked at while the guest runs
  // Record: checkpoints every `interval` cycles, inputs and the end go into `record`.
  Recording* record = nullptr;
  uint64_t interval = 0;
  bool record_snapshots = false;
  // With snapshots: the first one is whole, the others incremental (the RAM pages written
  // since the one before), with a whole one again after `full_every` checkpoints or once the
  // incremental ones since the last whole one add up to more bytes than it.
  size_t full_every = 32;
  // Replay: inputs come from `replay` (not from input_poll), checkpoints are compared.
  const Recording* replay = nullptr;
  // Replay from a checkpoint (the machine restored to it): the next checkpoint to compare and
  // the next recorded input to feed.
  size_t first_check = 0, first_input = 0;
  bool stats = false, hash = false;
};

struct DetRunResult {
  int status = 0;               // pvlab's exit status for the guest's end
  bool diverged = false;        // replay only
  std::string divergence;       // "diverged at cycle C (expected hash X, got Y)" and the like
  size_t checkpoints = 0;       // compared (replay) or taken (record), the end included
  std::string error;            // a snapshot could not be written
};

DetRunResult det_run(SnapMachine& m, const DetRunOptions& o);

}  // namespace pvlab
