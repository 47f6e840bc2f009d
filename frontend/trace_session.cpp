#include "frontend/trace_session.h"

namespace pvlab {

std::unique_ptr<TraceSession> TraceSession::open(const TraceRunOptions& o, uint64_t cpu_hz, const std::string& title,
                                                 std::string& error) {
  auto t = std::make_unique<TraceSession>();
  if (!o.insns.path.empty()) {
    t->insns_ = InsnTracer::open(o.insns, error);
    if (!t->insns_) return nullptr;
  }
  if (!o.events_path.empty() || !o.chrome_path.empty()) {
    t->events_ = EventTraceWriter::open(o.events_path, o.chrome_path, cpu_hz, title, error);
    if (!t->events_) return nullptr;
  }
  return t;
}

bool TraceSession::finish(std::string& error) {
  bool ok = true;
  std::string e;
  if (insns_ && !insns_->finish(e)) {
    ok = false;
    error = e;
  }
  if (events_ && !events_->finish(e)) {
    if (ok) error = e;
    ok = false;
  }
  return ok;
}

}  // namespace pvlab
