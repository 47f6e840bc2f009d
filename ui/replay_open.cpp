// A recording opened in the debugger (ui/replay_open.h).
#include "ui/replay_open.h"

#include <algorithm>
#include <cstdio>
#include <cstring>

#include "frontend/state_file.h"

namespace pvlab::ui {

namespace {

constexpr uint64_t kNoStop = ~0ull;

std::string num(uint64_t v) { return std::to_string(v); }

}  // namespace

bool looks_like_recording(const std::string& path) {
  FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) return false;
  char magic[8] = {};
  const size_t n = std::fread(magic, 1, sizeof magic, f);
  std::fclose(f);
  return n == sizeof magic && std::memcmp(magic, "PVLABREC", sizeof magic) == 0;
}

std::string ReplaySummary::line() const {
  std::string s = "replay: instruction " + num(insns) + " of " + num(total_insns) + ", cycle " + num(cycles) +
                  " of " + num(total_cycles) + "; checkpoints: " + num(compared) + " of " + num(checkpoints) +
                  " compared";
  if (differ) s += ", " + num(differ) + " differ (first: " + divergence + ")";
  else if (compared) s += ", all equal";
  if (end == End::Same) s += "; the end matches the recording";
  else if (end == End::Differs) s += "; the end differs: " + end_text;
  return s;
}

ReplayDebugTarget::ReplayDebugTarget(SnapMachine& m, const Recording& rec)
    : SnapMachineTarget(m), rec_(rec), seen_(rec.checkpoints.size(), 0), why_(rec.checkpoints.size()) {
  feed();   // the inputs stamped at cycle 0
}

void ReplayDebugTarget::set_stop(uint64_t cycle) {
  if (m_.pc()) m_.pc()->cpu().set_cycle_limit(cycle);
  else m_.hypervisor()->set_stop_cycle(cycle);
}

bool ReplayDebugTarget::feed() {
  InputQueue& q = m_.input();
  bool any = false;
  for (size_t i = q.entries().size(); i < rec_.inputs.size() && rec_.inputs[i].cycle <= m_.cycles(); ++i) {
    const RecordedInput& in = rec_.inputs[i];
    q.push(in.cycle, in.source, in.bytes);
    any = true;
  }
  return any;
}

// Compare checkpoint `i` with the machine as it is now.
void ReplayDebugTarget::check_point(size_t i) {
  const Checkpoint& c = rec_.checkpoints[i];
  const uint64_t now = m_.cycles();
  const uint64_t hash = m_.hash();
  if (c.cycle == now && c.hash == hash) {
    seen_[i] = 1;
    why_[i].clear();
    return;
  }
  seen_[i] = 2;
  why_[i] = c.cycle != now ? "a stop point at cycle " + num(now) + " where the recording has its checkpoint at cycle " +
                                 num(c.cycle)
                           : "at cycle " + num(now) + ": expected hash " + hash_hex(c.hash) + ", got " + hash_hex(hash);
}

TargetRun ReplayDebugTarget::run(uint64_t max_insns) {
  const uint64_t start = m_.insns();
  for (;;) {
    const uint64_t insns = m_.insns();
    if (pause_at_ && insns >= pause_at_) {
      pause_at_ = 0;
      return {StopReason::Requested, false};
    }
    uint64_t budget = 0;
    if (max_insns) {
      if (insns - start >= max_insns) return {StopReason::InsnLimit, false};
      budget = max_insns - (insns - start);
    }
    if (pause_at_) budget = budget ? std::min(budget, pause_at_ - insns) : pause_at_ - insns;
    // The next stop point: the next checkpoint not yet passed, or the next input's cycle.
    const uint64_t now = m_.cycles();
    size_t ck = 0;
    while (ck < rec_.checkpoints.size() && rec_.checkpoints[ck].cycle < now) ++ck;
    // Stopped by the debugger exactly where a checkpoint was taken: the same state is expected.
    if (ck < rec_.checkpoints.size() && rec_.checkpoints[ck].cycle == now) {
      if (!seen_[ck] && rec_.checkpoints[ck].insns == insns) check_point(ck);
      ++ck;
    }
    uint64_t stop = ck < rec_.checkpoints.size() ? rec_.checkpoints[ck].target : kNoStop;
    if (const size_t next = m_.input().entries().size(); next < rec_.inputs.size())
      stop = std::min(stop, rec_.inputs[next].cycle);
    if (stop != kNoStop) stop = std::max(stop, now + 1);   // a limit already passed would stop at once
    set_stop(stop);
    const TargetRun r = inner_->run(budget);
    set_stop(kNoStop);
    const bool at_stop = r.stop == StopReason::CycleLimit && stop != kNoStop && m_.cycles() >= stop;
    if (at_stop && ck < rec_.checkpoints.size() && rec_.checkpoints[ck].target <= m_.cycles()) check_point(ck);
    // An idle machine goes on when input is due (the recorded run was given it there).
    if (at_stop || r.stop == StopReason::Idle) {
      const bool fed = feed();
      if (at_stop || fed) {
        forget_end();
        continue;
      }
    }
    if (r.ended) check_end();
    return r;
  }
}

void ReplayDebugTarget::check_end() {
  if (end_) return;
  const RunEndRecord& want = rec_.end;
  const std::string& out = inner_->console();
  ReplaySummary e;
  e.output_same = state_hash(reinterpret_cast<const uint8_t*>(out.data()), out.size()) == want.output_hash;
  const uint64_t hash = m_.hash();
  std::vector<std::string> diffs;
  if (!e.output_same) diffs.push_back("the guest's output");
  if (m_.cycles() != want.cycle) diffs.push_back("cycle " + num(m_.cycles()) + " (recorded " + num(want.cycle) + ")");
  if (m_.insns() != want.insns) diffs.push_back("instructions " + num(m_.insns()) + " (recorded " + num(want.insns) + ")");
  if (inner_->exit_status() != want.exit_status)
    diffs.push_back("exit status " + std::to_string(inner_->exit_status()) + " (recorded " +
                    std::to_string(want.exit_status) + ")");
  if (hash != want.hash) diffs.push_back("state hash " + hash_hex(hash) + " (recorded " + hash_hex(want.hash) + ")");
  e.end = diffs.empty() ? ReplaySummary::End::Same : ReplaySummary::End::Differs;
  if (diffs.empty()) {
    e.end_text = "output, cycle " + num(want.cycle) + ", instructions, exit status and state hash as recorded";
  } else {
    for (size_t i = 0; i < diffs.size(); ++i) e.end_text += (i ? ", " : "") + diffs[i];
  }
  end_ = e;
}

ReplaySummary ReplayDebugTarget::summary() {
  if (inner_->ended()) check_end();
  ReplaySummary s;
  if (end_) s = *end_;
  s.insns = m_.insns();
  s.cycles = m_.cycles();
  s.total_insns = rec_.end.insns;
  s.total_cycles = rec_.end.cycle;
  s.checkpoints = rec_.checkpoints.size();
  for (size_t i = 0; i < seen_.size(); ++i) {
    if (!seen_[i]) continue;
    ++s.compared;
    if (seen_[i] == 2) {
      if (!s.differ) s.divergence = why_[i];
      ++s.differ;
    }
  }
  return s;
}

bool open_recording(const std::string& path, const std::string& image_path, const std::vector<uint8_t>& demo,
                    OpenedRecording& out, std::string& error) {
  std::vector<uint8_t> bytes;
  if (!load_file(path, bytes, error)) return false;
  if (!read_recording(bytes, out.rec, error)) {
    error = path + ": " + error;
    return false;
  }
  // Several vcpus are fine: the session then has no reverse history unless it can keep one.
  if (out.rec.max_cycles) {
    error = path + ": the recording was made with --max-cycles; the debugger replays --max-insns only";
    return false;
  }
  // The bytes come from --image when given, but the machine keeps the recorded path: the
  // guest can see it (a Multiboot command line starts with it), so it is part of the state.
  const std::string& from = image_path.empty() ? out.rec.spec.image_path : image_path;
  std::vector<uint8_t> image;
  if (from.empty()) image = demo;
  else if (!load_file(from, image, error)) {
    error = path + ": the recorded image: " + error + " (name it with --image)";
    return false;
  }
  if (!out.rec.spec.bios) {
    std::string ignored;
    out.elf = parse_elf(out.rec.spec.image_path.empty() ? "(built-in demo guest)" : out.rec.spec.image_path, image,
                        ignored);
  }
  out.machine = SnapMachine::create(out.rec.spec, std::move(image), error);
  if (!out.machine) {
    error = path + ": " + error;
    return false;
  }
  return true;
}

}  // namespace pvlab::ui
