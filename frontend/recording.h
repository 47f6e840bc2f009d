// Recordings (`pvlab record`, `pvlab replay`; docs/replay.md). A state file
// (frontend/state_file.h) with magic "PVLABREC" and four sections:
//
//   SPEC  the MachineSpec (image identity included), the run's limits and checkpoint interval
//   INPT  every outside input: cycle stamp, input source, bytes, in the order it entered
//   CHKP  checkpoints: the cycle asked for, the cycle and instruction count reached, the state
//         hash there, the inputs recorded before it, optionally a snapshot (whole, or
//         incremental: the RAM pages written since the checkpoint before; frontend/snapshot.h)
//   END_  how the run ended: cycle, instructions, state hash, exit status, output hash
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "frontend/snap_machine.h"

namespace pvlab {

constexpr uint32_t kRecordingVersion = 6;   // 2: the xenstore back end; 3: the timing model in the machine description; 4: XXH3 state hashes; 5: the timing model's state in snapshots; 6: RAM hashed page by page, incremental snapshots, inputs before each checkpoint

struct RecordedInput {
  uint64_t cycle = 0;
  uint16_t source = 0;
  std::string bytes;
};

struct Checkpoint {
  uint64_t target = 0;     // the cycle the checkpoint was asked for (a multiple of the interval)
  uint64_t cycle = 0;      // the cycle of the stop point where it was taken
  uint64_t insns = 0;
  uint64_t hash = 0;
  uint32_t inputs = 0;     // how many recorded inputs came before it (a replay from here feeds the rest)
  // Empty unless recorded with snapshots: a whole snapshot (frontend/snapshot.h), or an
  // incremental one holding the RAM pages written since the checkpoint before it.
  std::vector<uint8_t> snapshot;
};

struct RunEndRecord {
  uint64_t cycle = 0, insns = 0, hash = 0;
  int32_t exit_status = 0;
  uint64_t output_hash = 0;   // state_hash of everything the guest printed
};

struct Recording {
  MachineSpec spec;
  uint64_t max_insns = 0, max_cycles = 0;
  uint64_t interval = 0;       // cycles between checkpoints (0: none)
  std::vector<RecordedInput> inputs;
  std::vector<Checkpoint> checkpoints;
  RunEndRecord end;
};

std::vector<uint8_t> write_recording(const Recording& rec);
// Check and parse a recording; on failure `error` names the section and byte.
bool read_recording(const std::vector<uint8_t>& bytes, Recording& rec, std::string& error);
// What `pvlab replay --info` prints.
std::string describe_recording(const Recording& rec);
// The snapshots that rebuild checkpoint k (0-based): the whole one at or before it and every
// incremental one after that up to k; empty with `error` set when the recording cannot.
std::vector<const std::vector<uint8_t>*> checkpoint_chain(const Recording& rec, size_t k, std::string& error);

}  // namespace pvlab
