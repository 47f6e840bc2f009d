// The statistics every timing engine reports (cpu/timing/engine.h), as text and as JSON.
#include <algorithm>
#include <cstdio>

#include "cpu/timing/engine.h"

namespace pvlab {

const char* cpi_cause_name(CpiCause c) {
  switch (c) {
    case CpiCause::Base: return "base";
    case CpiCause::Exec: return "exec_latency";
    case CpiCause::Branch: return "branch_mispredict";
    case CpiCause::Btb: return "btb_miss";
    case CpiCause::ICache: return "icache";
    case CpiCause::DCacheL1: return "dcache_l1";
    case CpiCause::DCacheL2: return "dcache_l2";
    case CpiCause::DCacheMem: return "dcache_mem";
    case CpiCause::Tlb: return "tlb_walk";
    case CpiCause::Rob: return "stall_rob";
    case CpiCause::Rs: return "stall_rs";
    case CpiCause::Lsq: return "stall_lsq";
    case CpiCause::Port: return "stall_port";
    case CpiCause::StoreForward: return "store_forward";
    case CpiCause::Serialize: return "serialize";
    case CpiCause::Hypervisor: return "hypervisor";
    case CpiCause::Other: return "outside";
    case CpiCause::kCount: break;
  }
  return "?";
}

namespace {
std::string json_escape(const std::string& in) {
  std::string out;
  for (char c : in) {
    if (c == '"' || c == '\\') out += '\\';
    if (uint8_t(c) >= 0x20) out += c;
  }
  return out;
}
}  // namespace

std::string TimingEngine::functions_text(size_t n) const {
  const TimingStats st = stats();
  const std::vector<FunctionStats>& fn = function_stats();
  const FunctionMap* map = functions();
  std::vector<size_t> order;
  for (size_t i = 0; i < fn.size(); ++i)
    if (fn[i].insns || fn[i].cycles()) order.push_back(i);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return fn[a].cycles() > fn[b].cycles(); });
  if (order.size() > n) order.resize(n);
  uint64_t total = 0;
  for (uint64_t c : st.cpi) total += c;
  std::string out;
  char buf[256];
  for (size_t i : order) {
    const FunctionStats& f = fn[i];
    const uint64_t cyc = f.cycles();
    std::snprintf(buf, sizeof buf, "pvlab: timing function %-24s %10llu cycles %5.1f%% %9llu insns CPI %.3f:",
                  i ? map->at(i - 1).name.c_str() : "(no symbol)", (unsigned long long)cyc,
                  total ? 100.0 * double(cyc) / double(total) : 0.0, (unsigned long long)f.insns,
                  f.insns ? double(cyc) / double(f.insns) : 0.0);
    out += buf;
    // Its three largest entries.
    size_t top[3] = {size_t(CpiCause::kCount), size_t(CpiCause::kCount), size_t(CpiCause::kCount)};
    for (size_t k = 0; k < size_t(CpiCause::kCount); ++k) {
      if (!f.cpi[k]) continue;
      for (size_t t = 0; t < 3; ++t) {
        if (top[t] == size_t(CpiCause::kCount) || f.cpi[k] > f.cpi[top[t]]) {
          for (size_t u = 2; u > t; --u) top[u] = top[u - 1];
          top[t] = k;
          break;
        }
      }
    }
    for (size_t k : top) {
      if (k == size_t(CpiCause::kCount)) break;
      std::snprintf(buf, sizeof buf, " %s %llu", cpi_cause_name(CpiCause(k)), (unsigned long long)f.cpi[k]);
      out += buf;
    }
    out += "\n";
  }
  return out;
}

std::string TimingEngine::functions_json() const {
  const std::vector<FunctionStats>& fn = function_stats();
  const FunctionMap* map = functions();
  std::string j = "[";
  bool first = true;
  for (size_t i = 0; i < fn.size(); ++i) {
    const FunctionStats& f = fn[i];
    if (!f.insns && !f.cycles()) continue;
    j += first ? "\n" : ",\n";
    first = false;
    j += "    {\"name\": \"" + (i ? json_escape(map->at(i - 1).name) : std::string("(no symbol)")) + "\"";
    if (i) j += ", \"start\": " + std::to_string(map->at(i - 1).start);
    j += ", \"instructions\": " + std::to_string(f.insns) + ", \"cycles\": " + std::to_string(f.cycles());
    j += ", \"cpi_stack\": {";
    for (size_t k = 0; k < size_t(CpiCause::kCount); ++k)
      j += std::string(k ? ", " : "") + "\"" + cpi_cause_name(CpiCause(k)) + "\": " + std::to_string(f.cpi[k]);
    j += "}}";
  }
  j += first ? "]" : "\n  ]";
  return j;
}

std::string TimingEngine::stats_text() const {
  const TimingStats st = stats();
  std::string out;
  char buf[256];
  const double insns = double(st.insns ? st.insns : 1);
  uint64_t total = 0;
  for (uint64_t c : st.cpi) total += c;
  std::snprintf(buf, sizeof buf, "pvlab: timing %s: %llu instructions, %llu micro-ops, %llu cycles, CPI %.3f, IPC %.3f\n",
                config().name.c_str(), (unsigned long long)st.insns, (unsigned long long)st.uops,
                (unsigned long long)total, double(total) / insns, total ? insns / double(total) : 0.0);
  out += buf;
  out += "pvlab: timing CPI stack (cycles per instruction):";
  for (size_t k = 0; k < size_t(CpiCause::kCount); ++k) {
    if (!st.cpi[k] && k != 0) continue;
    std::snprintf(buf, sizeof buf, " %s %.3f", cpi_cause_name(CpiCause(k)), double(st.cpi[k]) / insns);
    out += buf;
  }
  out += "\n";
  const BranchStats& b = st.branches;
  std::snprintf(buf, sizeof buf,
                "pvlab: timing branches %llu, mispredicted %llu (%.2f%%), BTB misses %llu; "
                "L1I %llu/%llu misses, L1D %llu/%llu misses, L2 %llu/%llu misses; walks %llu cycles\n",
                (unsigned long long)b.branches, (unsigned long long)b.mispredicts,
                b.branches ? 100.0 * double(b.mispredicts) / double(b.branches) : 0.0,
                (unsigned long long)b.btb_misses, (unsigned long long)st.l1i_misses,
                (unsigned long long)(st.l1i_hits + st.l1i_misses), (unsigned long long)st.l1d_misses,
                (unsigned long long)(st.l1d_hits + st.l1d_misses), (unsigned long long)st.l2_misses,
                (unsigned long long)(st.l2_hits + st.l2_misses), (unsigned long long)st.walk_cycles);
  out += buf;
  if (st.walk_reads) {
    std::snprintf(buf, sizeof buf, "pvlab: timing page walks through the caches: %llu table reads, %llu hit L1D, %llu L2\n",
                  (unsigned long long)st.walk_reads, (unsigned long long)st.walk_l1d_hits,
                  (unsigned long long)st.walk_l2_hits);
    out += buf;
  }
  if (st.mshr_merges || st.mshr_full || st.prefetches) {
    std::snprintf(buf, sizeof buf,
                  "pvlab: timing misses: %llu loads merged with an outstanding miss, %llu waited for a free "
                  "miss register; L1D prefetches %llu issued, %llu useful\n",
                  (unsigned long long)st.mshr_merges, (unsigned long long)st.mshr_full,
                  (unsigned long long)st.prefetches, (unsigned long long)st.prefetches_useful);
    out += buf;
  }
  if (st.hv_entries) {
    std::snprintf(buf, sizeof buf,
                  "pvlab: timing hypervisor: %llu entries (%llu hypercalls), %llu bounce frames, %llu TLB flushes on entry, %llu cycles\n",
                  (unsigned long long)st.hv_entries, (unsigned long long)st.hv_hypercalls,
                  (unsigned long long)st.hv_bounces, (unsigned long long)st.hv_flushes,
                  (unsigned long long)st.cpi[size_t(CpiCause::Hypervisor)]);
    out += buf;
    std::snprintf(buf, sizeof buf,
                  "pvlab: timing hypervisor work: %llu entries checked, %llu reads and writes of them (%llu hit L1D, %llu L2), %llu cycles\n",
                  (unsigned long long)st.hv_checked, (unsigned long long)st.hv_mem,
                  (unsigned long long)st.hv_mem_l1d_hits, (unsigned long long)st.hv_mem_l2_hits,
                  (unsigned long long)st.hv_work_cycles);
    out += buf;
  }
  return out;
}

std::string TimingEngine::stats_json() const {
  const TimingStats st = stats();
  const FunctionMap* map = functions();
  std::string j = "{\n";
  const auto field = [&](const char* k, uint64_t v, bool last = false) {
    j += std::string("  \"") + k + "\": " + std::to_string(v) + (last ? "\n" : ",\n");
  };
  std::string name;
  for (char c : config().name) {
    if (c == '"' || c == '\\') name += '\\';
    if (uint8_t(c) >= 0x20) name += c;
  }
  j += "  \"config\": \"" + name + "\",\n";
  uint64_t total = 0;
  for (uint64_t c : st.cpi) total += c;
  field("instructions", st.insns);
  field("uops", st.uops);
  field("cycles", total);
  j += "  \"cpi_stack\": {";
  for (size_t k = 0; k < size_t(CpiCause::kCount); ++k)
    j += std::string(k ? ", " : "") + "\"" + cpi_cause_name(CpiCause(k)) + "\": " + std::to_string(st.cpi[k]);
  j += "},\n";
  const BranchStats& b = st.branches;
  field("branches", b.branches);
  field("conditional_branches", b.cond);
  field("taken_branches", b.taken);
  field("mispredicts", b.mispredicts);
  field("conditional_mispredicts", b.cond_mispredicts);
  field("indirect_mispredicts", b.target_mispredicts);
  field("return_mispredicts", b.return_mispredicts);
  field("btb_misses", b.btb_misses);
  field("loads", st.loads);
  field("stores", st.stores);
  field("l1i_hits", st.l1i_hits);
  field("l1i_misses", st.l1i_misses);
  field("l1d_hits", st.l1d_hits);
  field("l1d_misses", st.l1d_misses);
  field("l2_hits", st.l2_hits);
  field("l2_misses", st.l2_misses);
  field("itlb_misses", st.itlb_misses);
  field("dtlb_misses", st.dtlb_misses);
  field("walk_cycles", st.walk_cycles);
  field("walk_reads", st.walk_reads);
  field("walk_l1d_hits", st.walk_l1d_hits);
  field("walk_l2_hits", st.walk_l2_hits);
  field("mshr_merges", st.mshr_merges);
  field("mshr_full_waits", st.mshr_full);
  field("prefetches", st.prefetches);
  field("prefetches_useful", st.prefetches_useful);
  field("forwarded_loads", st.forwarded);
  field("serializing", st.serializing);
  field("hv_entries", st.hv_entries);
  field("hv_hypercalls", st.hv_hypercalls);
  field("hv_bounces", st.hv_bounces);
  field("hv_flushes", st.hv_flushes);
  field("hv_checked", st.hv_checked);
  field("hv_mem", st.hv_mem);
  field("hv_mem_l1d_hits", st.hv_mem_l1d_hits);
  field("hv_mem_l2_hits", st.hv_mem_l2_hits);
  field("hv_work_cycles", st.hv_work_cycles, !map);
  if (map) j += "  \"functions\": " + functions_json() + "\n";
  j += "}\n";
  return j;
}

}  // namespace pvlab
