#include "hyper/hypercalls.h"

#include <cstdio>

namespace pvlab::hyper {

void HypercallTable::add(const HypercallDef& d) {
  if (d.nr < kSize) table_[d.nr] = d;
}

const char* HypercallTable::name(unsigned nr) const {
  if (const HypercallDef* d = find(nr)) return d->name;
  return nullptr;
}

unsigned HypercallTable::arg_count(unsigned nr) const {
  const HypercallDef* d = find(nr);
  unsigned n = 0;
  while (d && n < d->args.size() && d->args[n] != Arg::None) ++n;
  return n;
}

std::string format_hypercall(const HypercallTable& t, const HypercallRecord& r) {
  char buf[64];
  std::string out;
  const HypercallDef* d = t.find(r.nr);
  if (d) {
    out = d->name;
  } else {
    std::snprintf(buf, sizeof buf, "hypercall_%u", r.nr);
    out = buf;
  }
  out += '(';
  bool first = true;
  for (unsigned i = 0; i < 5; ++i) {
    const Arg k = d ? d->args[i] : Arg::Uint;
    if (k == Arg::None) continue;
    if (!first) out += ", ";
    first = false;
    switch (k) {
      case Arg::Int: std::snprintf(buf, sizeof buf, "%d", int32_t(r.arg[i])); break;
      case Arg::Count: case Arg::Cmd: case Arg::Domid:
        std::snprintf(buf, sizeof buf, "%u", r.arg[i]);
        break;
      default: std::snprintf(buf, sizeof buf, "%#x", r.arg[i]); break;
    }
    out += buf;
  }
  std::snprintf(buf, sizeof buf, ") = %d", r.result);
  out += buf;
  if (!r.reason.empty()) out += ": " + r.reason;
  return out;
}

}  // namespace pvlab::hyper
