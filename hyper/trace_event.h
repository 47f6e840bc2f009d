// One event of a run for the event trace (`--trace-events`, `--trace-chrome`): the cycle, the
// vcpu, a kind ("hypercall", "exception", "evtchn", "pt_validate", "io") and named fields in
// the order they were added. The hypervisor and the PC machine report events to a
// TraceEventSink when one is set; with none set they build nothing.
#pragma once
#include <cstdint>
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

namespace pvlab {

struct TraceEvent {
  struct Field {
    std::string key;
    std::string value;   // JSON text: a number, true/false, or a quoted, escaped string
  };
  uint64_t cycle = 0;
  uint64_t dur = 0;      // cycles the event took (hypercalls); 0 for an instant
  unsigned vcpu = 0;
  std::string kind;
  std::string name;      // what a timeline shows (the hypercall's name, "#PF", "out 0x3f8")
  std::vector<Field> fields;

  TraceEvent(uint64_t c, unsigned v, std::string k, std::string n)
      : cycle(c), vcpu(v), kind(std::move(k)), name(std::move(n)) {}
  TraceEvent& num(std::string key, int64_t v) {
    fields.push_back({std::move(key), std::to_string(v)});
    return *this;
  }
  TraceEvent& hex(std::string key, uint64_t v) {
    char b[24];
    std::snprintf(b, sizeof b, "\"0x%llx\"", (unsigned long long)v);
    fields.push_back({std::move(key), b});
    return *this;
  }
  TraceEvent& flag(std::string key, bool v) {
    fields.push_back({std::move(key), v ? "true" : "false"});
    return *this;
  }
  TraceEvent& str(std::string key, const std::string& v) {
    fields.push_back({std::move(key), json_string(v)});
    return *this;
  }
  static std::string json_string(const std::string& s) {
    std::string o = "\"";
    for (unsigned char ch : s) {
      if (ch == '"' || ch == '\\') {
        o += '\\';
        o += char(ch);
      } else if (ch < 0x20 || ch >= 0x7f) {
        char b[8];
        std::snprintf(b, sizeof b, "\\u%04x", ch);
        o += b;
      } else {
        o += char(ch);
      }
    }
    return o + "\"";
  }
};

class TraceEventSink {
 public:
  virtual ~TraceEventSink() = default;
  virtual void event(const TraceEvent& e) = 0;
};

}  // namespace pvlab
