#include "frontend/trace_diff.h"

#include <cstring>
#include <fstream>
#include <iterator>
#include <sstream>

namespace pvlab {

namespace {

std::string hex(uint64_t v) {
  char b[24];
  std::snprintf(b, sizeof b, "%#llx", (unsigned long long)v);
  return b;
}

std::string bytes_text(const std::vector<uint8_t>& v) {
  std::string s;
  for (uint8_t x : v) {
    char b[4];
    std::snprintf(b, sizeof b, "%02x", x);
    s += b;
  }
  return s.empty() ? "(none)" : s;
}

std::string access_text(const InsnRecord::Mem& m) {
  char b[64];
  std::snprintf(b, sizeof b, "%s of %u bytes at %08x value %#x", m.write ? "write" : "read", m.size, m.lin, m.value);
  return b;
}

std::optional<uint32_t> reg_value(const InsnRecord& r, uint8_t reg) {
  for (const auto& g : r.regs)
    if (g.reg == reg) return g.value;
  return std::nullopt;
}

std::optional<TraceDifference> compare(size_t k, const InsnRecord& a, const InsnRecord& b) {
  auto diff = [k](std::string field, const std::string& x, const std::string& y) {
    return TraceDifference{k, std::move(field), "A: " + x + ", B: " + y};
  };
  if (a.vcpu != b.vcpu) return diff("vcpu", std::to_string(a.vcpu), std::to_string(b.vcpu));
  if (a.eip != b.eip) return diff("eip", hex(a.eip), hex(b.eip));
  if (a.bytes != b.bytes) return diff("bytes", bytes_text(a.bytes), bytes_text(b.bytes));
  for (uint8_t r = 0; r < treg::kCount; ++r) {
    const auto x = reg_value(a, r), y = reg_value(b, r);
    if (x != y)
      return diff(std::string("register ") + treg::name(r), x ? hex(*x) : "not written", y ? hex(*y) : "not written");
  }
  for (size_t m = 0; m < std::max(a.mem.size(), b.mem.size()); ++m) {
    if (m < a.mem.size() && m < b.mem.size() && a.mem[m] == b.mem[m]) continue;
    return diff("memory access " + std::to_string(m + 1),
                m < a.mem.size() ? access_text(a.mem[m]) : "none", m < b.mem.size() ? access_text(b.mem[m]) : "none");
  }
  if (a.count != b.count) return diff("count", std::to_string(a.count), std::to_string(b.count));
  if (a.cycle != b.cycle) return diff("cycle", std::to_string(a.cycle), std::to_string(b.cycle));
  return std::nullopt;
}

bool read_bytes(const std::string& path, std::vector<uint8_t>& data, std::string& error) {
  std::ifstream f(path, std::ios::binary);
  if (!f) {
    error = path + ": cannot open file";
    return false;
  }
  data.assign(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
  return true;
}

enum class Kind { Insns, Events };

bool load_events(const std::vector<uint8_t>& data, const std::string& path, std::vector<std::string>& lines,
                 std::string& error) {
  std::istringstream in(std::string(data.begin(), data.end()));
  size_t n = 0;
  for (std::string line; std::getline(in, line);) {
    ++n;
    if (line.empty()) continue;
    if (line.front() != '{' || line.back() != '}' || line.find("\"kind\":") == std::string::npos ||
        line.rfind("{\"cycle\":", 0) != 0) {
      error = path + ": line " + std::to_string(n) + ": not an event of a pvlab event log";
      return false;
    }
    lines.push_back(line);
  }
  return true;
}

// A short description of an event line: its cycle, vcpu and name.
std::string event_where(const std::string& line) {
  auto value = [&](const char* key) -> std::string {
    const std::string k = std::string("\"") + key + "\":";
    size_t p = line.find(k);
    if (p == std::string::npos) return "?";
    p += k.size();
    size_t e = p;
    if (e < line.size() && line[e] == '"') {
      e = line.find('"', e + 1);
      return e == std::string::npos ? "?" : line.substr(p + 1, e - p - 1);
    }
    while (e < line.size() && line[e] != ',' && line[e] != '}') ++e;
    return line.substr(p, e - p);
  };
  return "cycle " + value("cycle") + ", vcpu " + value("vcpu") + ", " + value("kind") + " " + value("name");
}

}  // namespace

std::optional<TraceDifference> first_difference(const std::vector<InsnRecord>& a, const std::vector<InsnRecord>& b) {
  const size_t n = std::min(a.size(), b.size());
  for (size_t k = 0; k < n; ++k)
    if (auto d = compare(k, a[k], b[k])) return d;
  if (a.size() == b.size()) return std::nullopt;
  return TraceDifference{n, "end", "A has " + std::to_string(a.size()) + " records, B has " + std::to_string(b.size())};
}

int trace_diff_main(const std::string& pa, const std::string& pb, unsigned context, FILE* out, FILE* err) {
  std::vector<uint8_t> da, db;
  std::string error;
  if (!read_bytes(pa, da, error) || !read_bytes(pb, db, error)) {
    std::fprintf(err, "pvlab: %s\n", error.c_str());
    return 2;
  }
  auto kind = [](const std::vector<uint8_t>& d) { return !d.empty() && d[0] == '{' ? Kind::Events : Kind::Insns; };
  if (kind(da) != kind(db)) {
    std::fprintf(err, "pvlab: %s and %s are not the same kind of trace (one is an event log)\n", pa.c_str(),
                 pb.c_str());
    return 2;
  }
  if (kind(da) == Kind::Events) {
    std::vector<std::string> la, lb;
    if (!load_events(da, pa, la, error) || !load_events(db, pb, lb, error)) {
      std::fprintf(err, "pvlab: %s\n", error.c_str());
      return 2;
    }
    size_t k = 0;
    while (k < la.size() && k < lb.size() && la[k] == lb[k]) ++k;
    if (k == la.size() && k == lb.size()) {
      std::fprintf(out, "identical: %zu events\n", la.size());
      return 0;
    }
    std::fprintf(out, "event logs differ at event %zu\n", k);
    std::fprintf(out, "  A: %s\n  B: %s\n", k < la.size() ? event_where(la[k]).c_str() : "(ended)",
                 k < lb.size() ? event_where(lb[k]).c_str() : "(ended)");
    for (size_t i = k > context ? k - context : 0; i < k; ++i) std::fprintf(out, "  %s\n", la[i].c_str());
    if (k < la.size()) std::fprintf(out, "- %s\n", la[k].c_str());
    if (k < lb.size()) std::fprintf(out, "+ %s\n", lb[k].c_str());
    return 1;
  }
  std::vector<InsnRecord> ra, rb;
  auto parse = [&](const std::vector<uint8_t>& d, const std::string& p, std::vector<InsnRecord>& r) {
    if (d.size() >= 8 && std::memcmp(d.data(), kTraceMagic, 8) == 0) return parse_binary_trace(d, p, r, error);
    return parse_text_trace(std::string(d.begin(), d.end()), p, r, error);
  };
  if (!parse(da, pa, ra) || !parse(db, pb, rb)) {
    std::fprintf(err, "pvlab: %s\n", error.c_str());
    return 2;
  }
  const std::optional<TraceDifference> d = first_difference(ra, rb);
  if (!d) {
    std::fprintf(out, "identical: %zu instructions\n", ra.size());
    return 0;
  }
  const InsnRecord& at = d->index < ra.size() ? ra[d->index] : rb[d->index];
  if (d->field == "end")
    std::fprintf(out, "traces differ after record %zu: one ends (%s)\n", d->index, d->detail.c_str());
  else
    std::fprintf(out, "traces differ at record %zu (vcpu %u, n=%llu, cycle %llu, eip %08x): %s: %s\n", d->index,
                 at.vcpu, (unsigned long long)at.count, (unsigned long long)at.cycle, at.eip, d->field.c_str(),
                 d->detail.c_str());
  for (size_t i = d->index > context ? d->index - context : 0; i < d->index; ++i)
    std::fprintf(out, "  %s\n", format_insn_line(ra[i]).c_str());
  if (d->index < ra.size()) std::fprintf(out, "- %s\n", format_insn_line(ra[d->index]).c_str());
  if (d->index < rb.size()) std::fprintf(out, "+ %s\n", format_insn_line(rb[d->index]).c_str());
  return 1;
}

int trace_show_main(const std::string& path, FILE* out, FILE* err) {
  std::vector<InsnRecord> r;
  std::string error;
  if (!read_trace_file(path, r, error)) {
    std::fprintf(err, "pvlab: %s\n", error.c_str());
    return 2;
  }
  std::fprintf(out, "%s\n", kTextTraceHeader);
  for (const InsnRecord& x : r) std::fprintf(out, "%s\n", format_insn_line(x).c_str());
  return 0;
}

}  // namespace pvlab
