// `--trace-insns FILE`: one record per retired instruction (frontend/trace_format.h), built
// from a retire hook on the CPU and a memory observer. The registers an instruction wrote are
// found by comparing the registers after it with those after the previous one; the memory it
// touched is every data access since the previous one. Both therefore include what an event
// delivered in between did (the frame an exception pushed, the handler's CS and ESP).
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "cpu/cpu.h"
#include "frontend/trace_format.h"

namespace pvlab {

struct InsnTraceOptions {
  std::string path;          // empty: no instruction trace
  std::string format;        // "text", "bin" or empty (by extension)
  uint64_t start_cycle = 0;  // record instructions retiring at or after this cycle
  uint64_t limit = 0;        // at most this many records (0: no limit)
};

class InsnTracer {
 public:
  // Opens the file; nullptr with `error` set when it cannot.
  static std::unique_ptr<InsnTracer> open(const InsnTraceOptions& o, std::string& error);
  ~InsnTracer();

  // Trace `cpu` as vcpu `vcpu`: a retire hook of rank kObserve, so it sees each instruction
  // after a timing model has stamped it (and after hooks of that rank added before, such as
  // the --log cpu category). Call while the CPU is not running.
  void attach(Cpu& cpu, unsigned vcpu);
  // Unhook every CPU (while none runs), then flush the file.
  bool finish(std::string& error);
  uint64_t records() const { return records_; }

 private:
  explicit InsnTracer(const InsnTraceOptions& o, std::unique_ptr<TraceWriter> w);
  class Tap;
  void record(InsnRecord& r);

  InsnTraceOptions opt_;
  std::unique_ptr<TraceWriter> writer_;
  std::vector<std::unique_ptr<Tap>> taps_;
  uint64_t records_ = 0;
  bool finished_ = false;
};

}  // namespace pvlab
