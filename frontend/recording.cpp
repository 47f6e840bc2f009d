#include "frontend/recording.h"

#include "frontend/snapshot.h"
#include "frontend/state_file.h"

namespace pvlab {

namespace {

constexpr char kMagic[9] = "PVLABREC";
constexpr size_t kMaxInputBytes = 1u << 24;
constexpr size_t kMaxSnapshotBytes = size_t(1) << 33;

}  // namespace

std::vector<uint8_t> write_recording(const Recording& rec) {
  StateFile f;
  f.version = kRecordingVersion;
  StateWriter spec;
  rec.spec.save(spec);
  spec.u64(rec.max_insns);
  spec.u64(rec.max_cycles);
  spec.u64(rec.interval);
  f.sections.push_back({"SPEC", spec.take(), 0});

  StateWriter in;
  in.u32(uint32_t(rec.inputs.size()));
  for (const RecordedInput& i : rec.inputs) {
    in.u64(i.cycle);
    in.u16(i.source);
    in.blob(std::vector<uint8_t>(i.bytes.begin(), i.bytes.end()));
  }
  f.sections.push_back({"INPT", in.take(), 0});

  StateWriter cp;
  cp.u32(uint32_t(rec.checkpoints.size()));
  for (const Checkpoint& c : rec.checkpoints) {
    cp.u64(c.target);
    cp.u64(c.cycle);
    cp.u64(c.insns);
    cp.u64(c.hash);
    cp.u32(c.inputs);
    cp.u64(c.snapshot.size());
    cp.bytes(c.snapshot.data(), c.snapshot.size());
  }
  f.sections.push_back({"CHKP", cp.take(), 0});

  StateWriter end;
  end.u64(rec.end.cycle);
  end.u64(rec.end.insns);
  end.u64(rec.end.hash);
  end.u32(uint32_t(rec.end.exit_status));
  end.u64(rec.end.output_hash);
  f.sections.push_back({"END_", end.take(), 0});
  return write_state_file(kMagic, f);
}

bool read_recording(const std::vector<uint8_t>& bytes, Recording& out, std::string& error) {
  StateFile f;
  if (!read_state_file(bytes, kMagic, kRecordingVersion, "recording", f, error)) return false;
  Recording rec;
  // Each section is read through its own StateReader; a failure names the section and the
  // file offset of the byte where reading stopped.
  auto section = [&](const char* tag, auto&& parse) {
    const StateSection* s = f.find(tag);
    if (!s) {
      error = std::string("recording: no '") + tag + "' section";
      return false;
    }
    StateReader r(s->data);
    parse(r);
    if (r.ok() && !r.at_end()) r.fail("stray bytes after the section's contents");
    if (!r.ok()) {
      error = std::string("recording: section '") + tag + "' (at file byte " +
              std::to_string(s->offset) + "): " + r.error();
      return false;
    }
    return true;
  };
  const bool ok =
      section("SPEC", [&](StateReader& r) {
        rec.spec.load(r);
        rec.max_insns = r.u64();
        rec.max_cycles = r.u64();
        rec.interval = r.u64();
      }) &&
      section("INPT", [&](StateReader& r) {
        const uint32_t n = r.u32();
        if (!r.ok()) return;
        if (n > bytes.size() / 14) {
          r.fail(std::to_string(n) + " inputs cannot fit in the file");
          return;
        }
        uint64_t last = 0;
        for (uint32_t i = 0; i < n && r.ok(); ++i) {
          RecordedInput in;
          in.cycle = r.u64();
          in.source = r.u16();
          const std::vector<uint8_t> b = r.blob(kMaxInputBytes);
          if (!r.ok()) return;
          if (b.empty()) {
            r.fail("input " + std::to_string(i) + " has no bytes");
            return;
          }
          if (in.cycle < last) {
            r.fail("input " + std::to_string(i) + " at cycle " + std::to_string(in.cycle) +
                   " comes after one at cycle " + std::to_string(last));
            return;
          }
          last = in.cycle;
          in.bytes.assign(b.begin(), b.end());
          rec.inputs.push_back(std::move(in));
        }
      }) &&
      section("CHKP", [&](StateReader& r) {
        const uint32_t n = r.u32();
        if (!r.ok()) return;
        if (n > bytes.size() / 44) {
          r.fail(std::to_string(n) + " checkpoints cannot fit in the file");
          return;
        }
        uint64_t last = 0;
        for (uint32_t i = 0; i < n && r.ok(); ++i) {
          Checkpoint c;
          c.target = r.u64();
          c.cycle = r.u64();
          c.insns = r.u64();
          c.hash = r.u64();
          c.inputs = r.u32();
          const uint64_t len = r.u64();
          if (!r.ok()) return;
          if (c.target < last || c.cycle < c.target) {
            r.fail("checkpoint " + std::to_string(i) + " is out of order");
            return;
          }
          if (c.inputs > rec.inputs.size() ||
              (i > 0 && c.inputs < rec.checkpoints.back().inputs)) {
            r.fail("checkpoint " + std::to_string(i) + " counts " + std::to_string(c.inputs) +
                   " inputs before it (the recording has " + std::to_string(rec.inputs.size()) + ")");
            return;
          }
          last = c.target;
          if (len > kMaxSnapshotBytes || len > r.remaining()) {
            r.fail("checkpoint " + std::to_string(i) + " claims a snapshot of " + std::to_string(len) + " bytes");
            return;
          }
          c.snapshot.resize(size_t(len));
          r.bytes(c.snapshot.data(), c.snapshot.size());
          rec.checkpoints.push_back(std::move(c));
        }
      }) &&
      section("END_", [&](StateReader& r) {
        rec.end.cycle = r.u64();
        rec.end.insns = r.u64();
        rec.end.hash = r.u64();
        rec.end.exit_status = int32_t(r.u32());
        rec.end.output_hash = r.u64();
      });
  if (!ok) return false;
  out = std::move(rec);
  return true;
}

std::string describe_recording(const Recording& rec) {
  std::string s = "pvlab recording, format version " + std::to_string(kRecordingVersion) + "\n";
  s += "machine: " + rec.spec.describe() + "\n";
  if (rec.max_insns) s += "instruction limit: " + std::to_string(rec.max_insns) + "\n";
  if (rec.max_cycles) s += "cycle limit: " + std::to_string(rec.max_cycles) + "\n";
  size_t in_bytes = 0, snaps = 0, deltas = 0, snap_bytes = 0;
  for (const RecordedInput& i : rec.inputs) in_bytes += i.bytes.size();
  for (const Checkpoint& c : rec.checkpoints) {
    snaps += !c.snapshot.empty();
    deltas += is_delta_snapshot(c.snapshot);
    snap_bytes += c.snapshot.size();
  }
  s += "inputs: " + std::to_string(rec.inputs.size()) + " (" + std::to_string(in_bytes) + " bytes)\n";
  s += "checkpoints: " + std::to_string(rec.checkpoints.size()) + " every " +
       std::to_string(rec.interval) + " cycles (" + std::to_string(snaps) + " with snapshots";
  if (snaps)
    s += ": " + std::to_string(snaps - deltas) + " whole, " + std::to_string(deltas) + " incremental, " +
         std::to_string(snap_bytes) + " bytes";
  s += ")\n";
  s += "end: cycle " + std::to_string(rec.end.cycle) + ", " + std::to_string(rec.end.insns) +
       " instructions, exit status " + std::to_string(rec.end.exit_status) + ", state hash " +
       hash_hex(rec.end.hash) + "\n";
  return s;
}

std::vector<const std::vector<uint8_t>*> checkpoint_chain(const Recording& rec, size_t k, std::string& error) {
  std::vector<const std::vector<uint8_t>*> chain;
  if (k >= rec.checkpoints.size()) {
    error = "the recording has " + std::to_string(rec.checkpoints.size()) + " checkpoints";
    return chain;
  }
  size_t j = k + 1;
  while (j > 0) {
    const std::vector<uint8_t>& s = rec.checkpoints[j - 1].snapshot;
    if (s.empty()) {
      error = "checkpoint " + std::to_string(j) + " has no snapshot (record with --with-snapshots)";
      return chain;
    }
    --j;
    if (!is_delta_snapshot(s)) break;
    if (j == 0) {
      error = "checkpoint 1 holds an incremental snapshot with no whole one before it";
      return chain;
    }
  }
  for (size_t i = j; i <= k; ++i) chain.push_back(&rec.checkpoints[i].snapshot);
  return chain;
}

}  // namespace pvlab
