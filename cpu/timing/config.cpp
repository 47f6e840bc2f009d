#include "cpu/timing/config.h"

#include <ini.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

namespace pvlab {

namespace {

struct Field {
  const char* key;
  uint32_t TimingConfig::*plain;   // a top-level field, or
  CacheParams TimingConfig::*cache;  // a cache level with `member`
  uint32_t CacheParams::*member;
  uint32_t min, max;
};

constexpr uint32_t kBig = 1u << 30;

#define PLAIN(k, lo, hi) Field{#k, &TimingConfig::k, nullptr, nullptr, lo, hi}
#define CACHE(lvl, m, lo, hi) Field{#lvl "_" #m, nullptr, &TimingConfig::lvl, &CacheParams::m, lo, hi}

const Field kFields[] = {
    PLAIN(fetch_width, 1, 16),      PLAIN(issue_width, 1, 16),   PLAIN(retire_width, 1, 16),
    PLAIN(rob_size, 1, kMaxWindow), PLAIN(rs_size, 1, kMaxWindow), PLAIN(lq_size, 1, kMaxWindow),
    PLAIN(sq_size, 1, kMaxWindow),        PLAIN(alu_units, 1, 16),     PLAIN(alu_latency, 1, 1000),
    PLAIN(mul_units, 1, 16),        PLAIN(mul_latency, 1, 1000), PLAIN(div_units, 1, 16),
    PLAIN(div_latency, 1, 1000),    PLAIN(branch_units, 1, 16),  PLAIN(load_units, 1, 16),
    PLAIN(store_units, 1, 16),      PLAIN(serialize_latency, 0, 10000),
    CACHE(l1i, size, 64, kBig),     CACHE(l1i, assoc, 1, 64),    CACHE(l1i, line, 4, 4096),
    CACHE(l1i, latency, 1, 1000),   CACHE(l1d, size, 64, kBig),  CACHE(l1d, assoc, 1, 64),
    CACHE(l1d, line, 4, 4096),      CACHE(l1d, latency, 1, 1000), CACHE(l2, size, 64, kBig),
    CACHE(l2, assoc, 1, 64),        CACHE(l2, line, 4, 4096),    CACHE(l2, latency, 1, 10000),
    PLAIN(mem_latency, 1, 100000),  PLAIN(l1d_mshrs, 1, 256),    PLAIN(l2_mshrs, 1, 256),
    PLAIN(l1d_prefetch, 0, 1),      PLAIN(l1d_prefetch_degree, 1, 16),
    PLAIN(btb_entries, 1, 1u << 20), PLAIN(btb_assoc, 1, 64),
    PLAIN(history_bits, 0, 24),     PLAIN(pht_entries, 2, 1u << 24), PLAIN(ras_entries, 0, 1024),
    PLAIN(mispredict_penalty, 0, 1000), PLAIN(btb_miss_penalty, 0, 1000), PLAIN(walk_cycles_per_level, 0, 10000),
    PLAIN(walk_caches, 0, 1),
    PLAIN(itlb_sets, 1, 4096),      PLAIN(itlb_ways, 1, 64),     PLAIN(dtlb_sets, 1, 4096),
    PLAIN(dtlb_ways, 1, 64),        PLAIN(hv_entry, 0, 100000),  PLAIN(hv_exit, 0, 100000),
    PLAIN(hv_hypercall, 0, 100000), PLAIN(hv_bounce, 0, 100000), PLAIN(hv_flush_on_entry, 0, 1),
    PLAIN(hv_per_entry, 0, 100000),
};

#undef PLAIN
#undef CACHE

// A decimal or 0x number with an optional K or M (binary) suffix.
bool parse_number(const char* s, uint64_t& out) {
  if (!*s) return false;
  char* end = nullptr;
  errno = 0;
  unsigned long long v = std::strtoull(s, &end, 0);
  if (errno || end == s || *s == '-') return false;
  if (*end == 'K' || *end == 'k') v <<= 10, ++end;
  else if (*end == 'M' || *end == 'm') v <<= 20, ++end;
  if (*end) return false;
  out = v;
  return true;
}

struct ParseState {
  TimingConfig* cfg;
  std::string origin;
  std::string error;   // the first problem
  int line = 0;
};

int on_entry(void* user, const char* section, const char* name, const char* value, int lineno) {
  auto& st = *static_cast<ParseState*>(user);
  auto fail = [&](const std::string& what) {
    if (st.error.empty()) st.error = st.origin + ":" + std::to_string(lineno) + ": " + what;
    return 0;
  };
  if (std::strcmp(section, "timing") != 0) return 1;  // other sections belong to others
  if (std::strcmp(name, "name") == 0) {
    st.cfg->name = value;
    return 1;
  }
  if (std::strcmp(name, "engine") == 0) {
    if (std::strcmp(value, "fast") != 0 && std::strcmp(value, "cycle") != 0)
      return fail(std::string("engine = '") + value + "': expected fast or cycle");
    st.cfg->engine = value;
    return 1;
  }
  for (const Field& f : kFields) {
    if (std::strcmp(f.key, name) != 0) continue;
    uint64_t v;
    if (std::strcmp(value, "true") == 0 || std::strcmp(value, "false") == 0) {
      if (f.max != 1) return fail(std::string(name) + " = '" + value + "': not a number");
      v = value[0] == 't';
    } else if (!parse_number(value, v)) return fail(std::string(name) + " = '" + value + "': not a number");
    if (v < f.min || v > f.max)
      return fail(std::string(name) + " = " + value + ": out of range " + std::to_string(f.min) +
                  ".." + std::to_string(f.max));
    if (f.plain) st.cfg->*f.plain = uint32_t(v);
    else (st.cfg->*f.cache).*f.member = uint32_t(v);
    return 1;
  }
  return fail(std::string("unknown key '") + name + "' in [timing]");
}

bool pow2(uint64_t v) { return v && !(v & (v - 1)); }

bool check_cache(const char* n, const CacheParams& c, std::string& error) {
  if (!pow2(c.line)) return error = std::string(n) + "_line must be a power of two", false;
  if (c.size % (uint64_t(c.line) * c.assoc))
    return error = std::string(n) + "_size must be a multiple of " + n + "_line * " + n + "_assoc", false;
  if (!pow2(c.size / (c.line * c.assoc)))
    return error = std::string(n) + ": the number of sets (size / line / assoc) must be a power of two", false;
  return true;
}

}  // namespace

bool validate_timing_config(const TimingConfig& c, std::string& error) {
  if (!check_cache("l1i", c.l1i, error) || !check_cache("l1d", c.l1d, error) ||
      !check_cache("l2", c.l2, error))
    return false;
  if (!pow2(c.pht_entries)) return error = "pht_entries must be a power of two", false;
  if (c.btb_entries % c.btb_assoc || !pow2(c.btb_entries / c.btb_assoc))
    return error = "btb_entries / btb_assoc must be a whole power of two", false;
  if (!pow2(c.itlb_sets) || !pow2(c.dtlb_sets)) return error = "itlb_sets and dtlb_sets must be powers of two", false;
  return true;
}

bool parse_timing_config(const std::string& text, const std::string& origin, TimingConfig& cfg,
                         std::string& error) {
  TimingConfig work = cfg;
  ParseState st{&work, origin, {}, 0};
  // inih calls back per key; lines it cannot parse make it return that line's number.
  struct Tramp {
    static int cb(void* user, const char* section, const char* name, const char* value) {
      auto& s = *static_cast<ParseState*>(user);
      return on_entry(user, section, name, value, s.line);
    }
  };
  // inih does not pass line numbers to the handler: parse line by line through a reader that
  // counts them.
  struct Reader {
    std::istringstream in;
    ParseState* st;
    static char* next(char* buf, int n, void* self) {
      auto& r = *static_cast<Reader*>(self);
      std::string l;
      if (!std::getline(r.in, l)) return nullptr;
      ++r.st->line;
      if (l.size() + 2 > size_t(n)) l.resize(size_t(n) - 2);
      std::memcpy(buf, l.data(), l.size());
      buf[l.size()] = '\n';
      buf[l.size() + 1] = 0;
      return buf;
    }
  };
  Reader r{std::istringstream(text), &st};
  int rc = ini_parse_stream(&Reader::next, &r, &Tramp::cb, &st);
  if (!st.error.empty()) return error = st.error, false;
  if (rc != 0) return error = origin + ":" + std::to_string(rc) + ": not a valid INI line", false;
  std::string why;
  if (!validate_timing_config(work, why)) return error = origin + ": " + why, false;
  cfg = work;
  return true;
}

bool load_timing_config(const std::string& path, TimingConfig& cfg, std::string& error) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return error = path + ": cannot open file", false;
  std::stringstream ss;
  ss << f.rdbuf();
  return parse_timing_config(ss.str(), path, cfg, error);
}

}  // namespace pvlab
