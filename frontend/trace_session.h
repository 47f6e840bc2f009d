// The traces a run writes (`pvlab run --trace-insns/--trace-events/--trace-chrome`): opens
// the files, hooks the CPUs and the machine, and closes the files when the run ends.
#pragma once
#include <memory>
#include <string>

#include "frontend/trace_events.h"
#include "frontend/trace_insns.h"

namespace pvlab {

struct TraceRunOptions {
  InsnTraceOptions insns;
  std::string events_path;   // --trace-events FILE.jsonl
  std::string chrome_path;   // --trace-chrome FILE.json
  bool any() const { return !insns.path.empty() || !events_path.empty() || !chrome_path.empty(); }
};

class TraceSession {
 public:
  // nullptr with `error` set when a file cannot be opened or an option is wrong.
  static std::unique_ptr<TraceSession> open(const TraceRunOptions& o, uint64_t cpu_hz, const std::string& title,
                                            std::string& error);
  // Trace `cpu`'s instructions (when --trace-insns was given).
  void attach_cpu(Cpu& cpu, unsigned vcpu) {
    if (insns_) insns_->attach(cpu, vcpu);
  }
  // Where the machine reports events (null when no event trace was asked for).
  TraceEventSink* events() { return events_.get(); }
  // Unhook and close the files; false with a message when one could not be written.
  bool finish(std::string& error);

 private:
  std::unique_ptr<InsnTracer> insns_;
  std::unique_ptr<EventTraceWriter> events_;
};

}  // namespace pvlab
