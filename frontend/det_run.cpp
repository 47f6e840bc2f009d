#include "frontend/det_run.h"

#include <algorithm>
#include <chrono>
#include <cstdio>

#include "frontend/snapshot.h"
#include "frontend/state_file.h"

namespace pvlab {

namespace {

uint64_t next_multiple(uint64_t now, uint64_t interval) {
  if (!interval) return ~0ull;
  return (now / interval + 1) * interval;
}

std::string diverged_text(uint64_t cycle, uint64_t want, uint64_t got) {
  return "diverged at cycle " + std::to_string(cycle) + " (expected hash " + hash_hex(want) +
         ", got " + hash_hex(got) + ")";
}

}  // namespace

DetRunResult det_run(SnapMachine& m, const DetRunOptions& o) {
  DetRunResult res;
  const Recording* rp = o.replay;
  const uint64_t interval = rp ? rp->interval : o.interval;
  const bool live = o.input_poll && !rp;
  uint64_t next_cp = next_multiple(m.cycles(), interval);
  uint64_t next_snap = o.snapshot_at;
  size_t next_input = o.first_input, next_check = o.first_check;
  size_t since_full = 0;             // checkpoints with snapshots since the last whole one
  size_t full_bytes = 0, delta_bytes = 0;
  uint64_t snap_cycle = 0, snap_hash = 0;   // the previous snapshot's (an incremental one names it)
  if (o.record) o.record->interval = interval;

  auto source_of = [&m] { return m.is_pv() ? input_source::kXenConsole : input_source::kCom1; };
  auto take_input = [&](const std::string& in) {
    if (in.empty()) return;
    if (o.record) o.record->inputs.push_back({m.cycles(), source_of(), in});
    m.push_input(in);
  };
  // Recorded inputs due now: those stamped at or before the machine's time.
  auto feed_recorded = [&] {
    bool any = false;
    while (rp && next_input < rp->inputs.size() && rp->inputs[next_input].cycle <= m.cycles()) {
      const RecordedInput& in = rp->inputs[next_input++];
      m.input().push(in.cycle, in.source, in.bytes);
      any = true;
    }
    return any;
  };

  const auto t0 = std::chrono::steady_clock::now();
  feed_recorded();
  for (;;) {
    uint64_t stop = std::min(next_cp, next_snap);
    if (rp && next_input < rp->inputs.size()) stop = std::min(stop, rp->inputs[next_input].cycle);
    if (live) stop = std::min(stop, m.cycles() + o.poll_cycles);
    const SnapMachine::Halt h = m.run(stop, o.max_insns, o.max_cycles);
    if (h == SnapMachine::Halt::Ended) break;
    // At a stop point: the snapshot, the checkpoint, then input (a recording run takes host
    // input after its checkpoint, so a replay feeds recorded input there too).
    if (m.cycles() >= next_snap) {
      next_snap = ~0ull;
      std::string err;
      if (!save_file(o.snapshot_file, make_snapshot(m), err)) {
        res.error = err;
        res.status = 2;
        return res;
      }
      std::fprintf(stderr, "pvlab: snapshot at cycle %llu written to %s\n",
                   (unsigned long long)m.cycles(), o.snapshot_file.c_str());
      if (o.stop_after_snapshot) {
        res.status = 0;
        return res;
      }
    }
    if (m.cycles() >= next_cp) {
      const uint64_t target = next_cp;
      next_cp = next_multiple(m.cycles(), interval);
      const uint64_t h2 = m.hash();
      if (o.record) {
        Checkpoint c{target, m.cycles(), m.insns(), h2, uint32_t(o.record->inputs.size()), {}};
        if (o.record_snapshots) {
          if (full_bytes == 0 || since_full + 1 >= o.full_every || delta_bytes > full_bytes) {
            m.take_ram_delta(false);
            c.snapshot = make_snapshot(m, h2);
            full_bytes = c.snapshot.size();
            delta_bytes = 0;
            since_full = 0;
          } else {
            c.snapshot = make_delta_snapshot(m, m.take_ram_delta(true), h2, snap_cycle, snap_hash);
            delta_bytes += c.snapshot.size();
            ++since_full;
          }
          snap_cycle = m.cycles();
          snap_hash = h2;
        }
        o.record->checkpoints.push_back(std::move(c));
        ++res.checkpoints;
      }
      if (rp) {
        if (next_check >= rp->checkpoints.size() || rp->checkpoints[next_check].target != target) {
          res.diverged = true;
          res.divergence = "diverged at cycle " + std::to_string(m.cycles()) +
                           " (the recording has no checkpoint there: the recorded run ended earlier)";
          break;
        }
        const Checkpoint& want = rp->checkpoints[next_check++];
        if (want.cycle != m.cycles() || want.hash != h2) {
          res.diverged = true;
          res.divergence = want.cycle != m.cycles()
                               ? "diverged at cycle " + std::to_string(m.cycles()) +
                                     " (expected the checkpoint at cycle " + std::to_string(want.cycle) + ")"
                               : diverged_text(m.cycles(), want.hash, h2);
          break;
        }
        ++res.checkpoints;
      }
    }
    const bool fed = feed_recorded();
    if (h == SnapMachine::Halt::Idle) {
      if (fed) continue;
      if (live) {
        const std::string in = o.input_poll(true);
        if (in.empty()) break;   // input ended: nothing will wake the guest
        take_input(in);
        continue;
      }
      break;   // (a replay idle before its next input's cycle has diverged: the end says so)
    }
    if (live) take_input(o.input_poll(false));
  }
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::fflush(stdout);
  res.status = m.exit_status();
  if (!res.diverged) m.report_end(stderr);
  if (o.stats) m.print_stats(stderr, secs);
  const uint64_t final_hash = (o.hash || o.record || rp) ? m.hash() : 0;
  if (o.hash) std::fprintf(stderr, "pvlab: state hash %s\n", hash_hex(final_hash).c_str());
  RunEndRecord end{m.cycles(), m.insns(), final_hash, res.status, state_hash(
      reinterpret_cast<const uint8_t*>(m.console().data()), m.console().size())};
  if (o.record) {
    o.record->end = end;
    ++res.checkpoints;
  }
  if (rp && !res.diverged) {
    if (next_check != rp->checkpoints.size()) {
      res.diverged = true;
      res.divergence = "diverged at cycle " + std::to_string(end.cycle) + " (the run ended after " +
                       std::to_string(next_check) + " of " +
                       std::to_string(rp->checkpoints.size()) + " checkpoints)";
    } else if (end.hash != rp->end.hash || end.cycle != rp->end.cycle) {
      res.diverged = true;
      res.divergence = diverged_text(end.cycle, rp->end.hash, end.hash) + " at the end";
    } else if (end.insns != rp->end.insns || end.exit_status != rp->end.exit_status ||
               end.output_hash != rp->end.output_hash) {
      res.diverged = true;
      res.divergence = "diverged at cycle " + std::to_string(end.cycle) +
                       " (the end differs: instructions, exit status or output)";
    } else {
      ++res.checkpoints;
    }
  }
  return res;
}

}  // namespace pvlab
