// Whole-machine snapshot files (docs/replay.md). A state file (frontend/state_file.h) with
// magic "PVLABSNP" and three sections:
//
//   INFO  the MachineSpec (image identity included), the cycle and instruction counts, and
//         the state hash of the machine when it was saved (checked again after a restore)
//   MACH  SnapMachine::save(): CPUs with MMU and TLBs, devices, input queue, hypervisor
//   RAM_  RAM size, compression (1: zstd), the compressed bytes
//
// The same machine state always gives the same bytes.
#pragma once
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "frontend/snap_machine.h"
#include "frontend/state_file.h"

namespace pvlab {

// Raise when what any save_state() writes changes.
constexpr uint32_t kSnapshotVersion = 6;   // 2: the xenstore back end; 3: the timing model in the machine description; 4: XXH3 state hashes; 5: the timing model's state; 6: RAM hashed page by page

struct SnapshotInfo {
  MachineSpec spec;
  uint64_t cycles = 0, insns = 0;
  uint64_t state_hash = 0;
  uint64_t ram_bytes = 0, ram_stored = 0;   // RAM, and its compressed size in the file
  uint64_t mach_bytes = 0;
};

// `known_hash`: m.hash() when the caller has just computed it (saves hashing RAM twice).
std::vector<uint8_t> make_snapshot(SnapMachine& m, std::optional<uint64_t> known_hash = {});
// Check the file and read its INFO section (the sections are kept in `file` for restore).
bool read_snapshot(const std::vector<uint8_t>& bytes, StateFile& file, SnapshotInfo& info,
                   std::string& error);
// Load a checked snapshot into a machine created from info.spec, then verify the restored
// machine hashes to info.state_hash.
bool restore_snapshot(SnapMachine& m, const StateFile& file, const SnapshotInfo& info,
                      std::string& error);
// Incremental snapshots (inside recordings, docs/replay.md): a state file with magic
// "PVLABDLT" and the snapshot's version holding INFO and MACH as a snapshot does, BASE (the
// cycle and state hash of the snapshot it follows) and, in place of RAM_, RAMD: the RAM pages
// written since that snapshot (frontend/ram_delta.h). `ram_delta` comes from
// m.take_ram_delta(true), `hash` from m.hash() just before; `base_cycle` and `base_hash` are
// the previous snapshot's.
std::vector<uint8_t> make_delta_snapshot(SnapMachine& m, std::vector<uint8_t> ram_delta, uint64_t hash,
                                         uint64_t base_cycle, uint64_t base_hash);
bool is_delta_snapshot(const std::vector<uint8_t>& bytes);
// Rebuild the machine `chain` ends at: chain[0] a whole snapshot, every later one a delta
// taken after the one before it. RAM comes from the whole snapshot and the deltas in order,
// the rest of the state from the last file, whose state hash is checked. `what(i)` names the
// i-th file in errors (e.g. "checkpoint 7").
bool restore_snapshot_chain(SnapMachine& m, const std::vector<const std::vector<uint8_t>*>& chain,
                            const std::function<std::string(size_t)>& what, std::string& error);

// What `pvlab snapshot info` prints.
std::string describe_snapshot(const StateFile& file, const SnapshotInfo& info);

}  // namespace pvlab
