#include "frontend/trace_events.h"

#include <cerrno>
#include <cstring>

namespace pvlab {

std::unique_ptr<EventTraceWriter> EventTraceWriter::open(const std::string& jsonl_path, const std::string& chrome_path,
                                                         uint64_t cpu_hz, const std::string& title,
                                                         std::string& error) {
  std::unique_ptr<EventTraceWriter> w(new EventTraceWriter);
  w->hz_ = cpu_hz ? cpu_hz : 1'000'000'000;
  w->jsonl_path_ = jsonl_path;
  w->chrome_path_ = chrome_path;
  for (auto [path, f] : {std::pair{&jsonl_path, &w->jsonl_}, std::pair{&chrome_path, &w->chrome_}}) {
    if (path->empty()) continue;
    *f = std::fopen(path->c_str(), "wb");
    if (!*f) {
      error = *path + ": cannot open for writing: " + std::strerror(errno);
      return nullptr;
    }
  }
  if (w->chrome_) {
    std::fprintf(w->chrome_,
                 "{\"traceEvents\":[\n"
                 "{\"name\":\"process_name\",\"ph\":\"M\",\"pid\":1,\"tid\":0,\"args\":{\"name\":%s}}",
                 TraceEvent::json_string(title).c_str());
  }
  return w;
}

EventTraceWriter::~EventTraceWriter() {
  if (jsonl_) std::fclose(jsonl_);
  if (chrome_) std::fclose(chrome_);
}

std::string EventTraceWriter::chrome_ts(uint64_t cycles) const {
  // Microseconds with three decimals, computed in integers (no rounding differences).
  const unsigned __int128 ns = (unsigned __int128)cycles * 1'000'000'000u / hz_;
  char b[48];
  std::snprintf(b, sizeof b, "%llu.%03u", (unsigned long long)(ns / 1000), unsigned(ns % 1000));
  return b;
}

void EventTraceWriter::event(const TraceEvent& e) {
  ++count_;
  std::string fields;
  for (const auto& f : e.fields) fields += ",\"" + f.key + "\":" + f.value;
  if (jsonl_) {
    std::fprintf(jsonl_, "{\"cycle\":%llu,\"vcpu\":%u,\"kind\":\"%s\",\"name\":%s", (unsigned long long)e.cycle,
                 e.vcpu, e.kind.c_str(), TraceEvent::json_string(e.name).c_str());
    if (e.kind == "hypercall") std::fprintf(jsonl_, ",\"dur\":%llu", (unsigned long long)e.dur);
    std::fprintf(jsonl_, "%s}\n", fields.c_str());
  }
  if (chrome_) {
    if (vcpus_named_.insert(e.vcpu).second)
      std::fprintf(chrome_,
                   ",\n{\"name\":\"thread_name\",\"ph\":\"M\",\"pid\":1,\"tid\":%u,\"args\":{\"name\":\"vcpu %u\"}}",
                   e.vcpu, e.vcpu);
    std::string args = "\"cycle\":" + std::to_string(e.cycle) + fields;
    if (e.kind == "hypercall") {
      // Hypercalls take no modelled time unless they block: at least 1 ns keeps them visible.
      std::string dur = chrome_ts(e.dur);
      if (e.dur * 1'000'000'000ull / hz_ == 0) dur = "0.001";
      std::fprintf(chrome_,
                   ",\n{\"name\":%s,\"cat\":\"%s\",\"ph\":\"X\",\"ts\":%s,\"dur\":%s,\"pid\":1,\"tid\":%u,\"args\":{%s}}",
                   TraceEvent::json_string(e.name).c_str(), e.kind.c_str(), chrome_ts(e.cycle).c_str(), dur.c_str(),
                   e.vcpu, args.c_str());
    } else {
      std::fprintf(chrome_,
                   ",\n{\"name\":%s,\"cat\":\"%s\",\"ph\":\"i\",\"s\":\"t\",\"ts\":%s,\"pid\":1,\"tid\":%u,\"args\":{%s}}",
                   TraceEvent::json_string(e.name).c_str(), e.kind.c_str(), chrome_ts(e.cycle).c_str(), e.vcpu,
                   args.c_str());
    }
  }
}

bool EventTraceWriter::finish(std::string& error) {
  bool ok = true;
  auto close = [&](FILE*& f, const std::string& path) {
    if (!f) return;
    const bool bad = std::ferror(f) != 0;
    if (std::fclose(f) != 0 || bad) {
      if (ok) error = path + ": cannot write the event trace: " + std::strerror(errno);
      ok = false;
    }
    f = nullptr;
  };
  if (chrome_)
    std::fprintf(chrome_, "\n],\n\"displayTimeUnit\":\"ns\",\"otherData\":{\"clock_hz\":%llu}}\n",
                 (unsigned long long)hz_);
  close(jsonl_, jsonl_path_);
  close(chrome_, chrome_path_);
  return ok;
}

}  // namespace pvlab
