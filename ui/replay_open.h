// `pvlab debug run.pvr`: a recording opened in the debugger (docs/debugging.md, "Debugging a
// recording"). The machine is the one the recording describes; it runs the way `pvlab replay`
// runs it, so that the recording's checkpoints can be compared on the way.
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "frontend/elf_image.h"
#include "frontend/recording.h"
#include "frontend/replay_gdb.h"
#include "frontend/session_target.h"
#include "frontend/snap_machine.h"

namespace pvlab::ui {

// True when the file at `path` starts with a recording's magic (whatever it is called).
bool looks_like_recording(const std::string& path);

// Where a replay is, and how it compares with the recording so far.
struct ReplaySummary {
  uint64_t insns = 0, cycles = 0;               // now
  uint64_t total_insns = 0, total_cycles = 0;   // the recorded end
  size_t checkpoints = 0;    // in the recording
  size_t compared = 0;       // compared at least once (in this run or a re-run of it)
  size_t differ = 0;         // of those, found different
  std::string divergence;    // the earliest difference found ("" while there is none)
  enum class End : uint8_t { NotReached, Same, Differs } end = End::NotReached;
  bool output_same = false;  // at the end: the guest's output hashes to the recorded output's hash
  std::string end_text;      // at the end: what differs, or what matched
  bool diverged() const { return differ > 0 || end == End::Differs; }
  // One line for the status bar and the window title.
  std::string line() const;
};

// A Session target over a SnapMachine built from a recording. Every run stops at stop points
// (frontend/snap_machine.h) at the cycle of each recorded input and each checkpoint, as
// `pvlab replay` does: there the checkpoint's cycle and state hash are compared, then the
// inputs stamped at or before that cycle enter the input queue. The queue (with which inputs
// have entered it) is machine state, so it goes back and forward with the reverse history, and
// the index of the next input to feed is read from it. A re-run by the reverse machinery stops
// at the same points and compares the same checkpoints again.
//
// Where the debugger stops the machine between two stop points (a step, a breakpoint, the
// Session's slices) the recorded run did not stop: the devices and interrupts are looked at
// again where a run resumes, so a guest whose timing depends on that can part from the
// recording. That is what the checkpoint comparison shows; it is never hidden.
class ReplayDebugTarget final : public SnapMachineTarget {
 public:
  ReplayDebugTarget(SnapMachine& m, const Recording& rec);
  TargetRun run(uint64_t max_insns) override;

  // Stop (as a pause) when the instruction count reaches k; 0: do not. Cleared when it stops
  // there.
  void pause_at(uint64_t k) { pause_at_ = k; }
  // Where the replay is and what the comparisons found (hashes the machine at the end).
  ReplaySummary summary();
  const Recording& recording() const { return rec_; }

 private:
  void set_stop(uint64_t cycle);
  bool feed();                    // inputs due now into the queue; true when any entered
  void check_point(size_t i);   // compare checkpoint i with the machine now
  void check_end();

  const Recording& rec_;
  uint64_t pause_at_ = 0;
  // Per checkpoint: 0 not compared yet, 1 equal, 2 different (and why).
  std::vector<uint8_t> seen_;
  std::vector<std::string> why_;
  std::optional<ReplaySummary> end_;   // the comparison of the end, once reached
};

// A recording read and its machine built, not yet run.
struct OpenedRecording {
  Recording rec;
  std::unique_ptr<SnapMachine> machine;
  std::optional<ElfImage> elf;   // for symbols (none for a raw ROM)
};
// Read, check and build (from `image_path` when not empty, else from the image the recording
// names, or `demo` when it names none); false with `error` naming what is wrong (a corrupt
// recording, a missing or changed image, a recording the debugger cannot replay).
bool open_recording(const std::string& path, const std::string& image_path, const std::vector<uint8_t>& demo,
                    OpenedRecording& out, std::string& error);

}  // namespace pvlab::ui
