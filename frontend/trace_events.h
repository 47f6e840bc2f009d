// The event trace's two files. `--trace-events FILE.jsonl`: one JSON object per line,
//   {"cycle":1234,"vcpu":0,"kind":"hypercall","name":"mmu_update","dur":0,"nr":1,...}
// with the event's own fields after the common ones. `--trace-chrome FILE.json`: the same
// events in the Chrome trace-event format (a {"traceEvents":[...]} object) for Perfetto or
// chrome://tracing: hypercalls are complete events ("ph":"X"), the rest instant events
// ("ph":"i"), one thread per vcpu. Timestamps are microseconds: the cycle count divided by
// the machine's nominal clock (1 GHz unless configured otherwise), so one cycle is 1 ns.
#pragma once
#include <cstdio>
#include <memory>
#include <set>
#include <string>

#include "hyper/trace_event.h"

namespace pvlab {

class EventTraceWriter final : public TraceEventSink {
 public:
  // Either path may be empty. nullptr with `error` set when a file cannot be opened.
  static std::unique_ptr<EventTraceWriter> open(const std::string& jsonl_path, const std::string& chrome_path,
                                                uint64_t cpu_hz, const std::string& title, std::string& error);
  ~EventTraceWriter() override;
  void event(const TraceEvent& e) override;
  bool finish(std::string& error);
  uint64_t events() const { return count_; }

 private:
  EventTraceWriter() = default;
  std::string chrome_ts(uint64_t cycles) const;

  FILE* jsonl_ = nullptr;
  FILE* chrome_ = nullptr;
  std::string jsonl_path_, chrome_path_;
  uint64_t hz_ = 1'000'000'000;
  std::set<unsigned> vcpus_named_;
  uint64_t count_ = 0;
};

}  // namespace pvlab
