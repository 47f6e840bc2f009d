// The Timing window: the out-of-order model's CPI stack per vcpu (cycles per entry and their
// share), IPC, the cache, TLB and branch counters, and the functions that took the most
// cycles when the ELF has symbols. Read between runs like every other view.
#include <imgui.h>

#include <cstdio>

#include "ui/app.h"
#include "ui/style.h"

namespace pvlab::ui {

namespace {

double ratio(uint64_t a, uint64_t b) { return b ? double(a) / double(b) : 0.0; }

void stack_table(const TimingStats& t) {
  if (!ImGui::BeginTable("cpi", 4, ImGuiTableFlags_SizingFixedFit | ImGuiTableFlags_RowBg)) return;
  ImGui::TableSetupColumn("entry");
  ImGui::TableSetupColumn("cycles");
  ImGui::TableSetupColumn("share");
  ImGui::TableSetupColumn("per instruction");
  ImGui::TableHeadersRow();
  for (size_t k = 0; k < size_t(CpiCause::kCount); ++k) {
    const uint64_t c = t.cpi[k];
    ImGui::TableNextRow();
    ImGui::TableNextColumn();
    if (c) ImGui::TextUnformatted(cpi_cause_name(CpiCause(k)));
    else ImGui::TextColored(kColorDim, "%s", cpi_cause_name(CpiCause(k)));
    ImGui::TableNextColumn();
    ImGui::Text("%12llu", (unsigned long long)c);
    ImGui::TableNextColumn();
    const float share = float(ratio(c, t.cycles));
    char pct[16];
    std::snprintf(pct, sizeof pct, "%5.1f%%", 100.0 * double(share));
    ImGui::ProgressBar(share, ImVec2(140, 0), pct);
    ImGui::TableNextColumn();
    ImGui::Text("%.3f", ratio(c, t.insns));
  }
  ImGui::EndTable();
}

void counters(const TimingStats& t) {
  ImGui::Text("L1I %llu hits, %llu misses   L1D %llu hits, %llu misses   L2 %llu hits, %llu misses",
              (unsigned long long)t.l1i_hits, (unsigned long long)t.l1i_misses, (unsigned long long)t.l1d_hits,
              (unsigned long long)t.l1d_misses, (unsigned long long)t.l2_hits, (unsigned long long)t.l2_misses);
  ImGui::Text("I-TLB %llu misses   D-TLB %llu misses   walks %llu cycles   loads %llu, stores %llu, forwarded %llu",
              (unsigned long long)t.itlb_misses, (unsigned long long)t.dtlb_misses,
              (unsigned long long)t.walk_cycles, (unsigned long long)t.loads, (unsigned long long)t.stores,
              (unsigned long long)t.forwarded);
  if (t.walk_reads)
    ImGui::Text("page walks through the caches: %llu table reads, %llu hit L1D, %llu hit L2",
                (unsigned long long)t.walk_reads, (unsigned long long)t.walk_l1d_hits,
                (unsigned long long)t.walk_l2_hits);
  if (t.mshr_merges || t.mshr_full || t.prefetches)
    ImGui::Text("misses merged %llu, waited for a miss register %llu   L1D prefetches %llu, useful %llu",
                (unsigned long long)t.mshr_merges, (unsigned long long)t.mshr_full,
                (unsigned long long)t.prefetches, (unsigned long long)t.prefetches_useful);
  const BranchStats& b = t.branches;
  ImGui::Text("branches %llu, mispredicted %llu (%.2f%%), BTB misses %llu   serialising %llu",
              (unsigned long long)b.branches, (unsigned long long)b.mispredicts,
              100.0 * ratio(b.mispredicts, b.branches), (unsigned long long)b.btb_misses,
              (unsigned long long)t.serializing);
  if (t.hv_entries)
    ImGui::Text("hypervisor: %llu entries, %llu hypercalls, %llu bounce frames, %llu flushes",
                (unsigned long long)t.hv_entries, (unsigned long long)t.hv_hypercalls,
                (unsigned long long)t.hv_bounces, (unsigned long long)t.hv_flushes);
}

void function_table(const std::vector<App::Timing::Fn>& fns, uint64_t total) {
  if (fns.empty()) return;
  if (!ImGui::TreeNodeEx("functions", ImGuiTreeNodeFlags_DefaultOpen, "top functions (by cycles)")) return;
  if (ImGui::BeginTable("fn", 5, ImGuiTableFlags_SizingFixedFit | ImGuiTableFlags_RowBg)) {
    ImGui::TableSetupColumn("function");
    ImGui::TableSetupColumn("cycles");
    ImGui::TableSetupColumn("share");
    ImGui::TableSetupColumn("CPI");
    ImGui::TableSetupColumn("largest entry");
    ImGui::TableHeadersRow();
    for (const App::Timing::Fn& f : fns) {
      ImGui::TableNextRow();
      ImGui::TableNextColumn();
      ImGui::TextColored(kColorLabel, "%s", f.name.c_str());
      ImGui::TableNextColumn();
      ImGui::Text("%llu", (unsigned long long)f.cycles);
      ImGui::TableNextColumn();
      ImGui::Text("%5.1f%%", 100.0 * ratio(f.cycles, total));
      ImGui::TableNextColumn();
      ImGui::Text("%.3f", ratio(f.cycles, f.insns));
      ImGui::TableNextColumn();
      ImGui::TextUnformatted(cpi_cause_name(f.top));
    }
    ImGui::EndTable();
  }
  ImGui::TreePop();
}

}  // namespace

void draw_timing(App& a) {
  if (!begin_window(a, Win::Timing)) {
    ImGui::End();
    return;
  }
  if (!a.timing) {
    ImGui::TextWrapped("The atomic timing model runs: each instruction costs a fixed number of cycles of its "
                       "class, and there is no CPI stack. Start the debugger with --timing ooo (and "
                       "--timing-config FILE) to see the out-of-order model's (docs/timing.md).");
    ImGui::End();
    return;
  }
  if (!views_dimmed(a)) a.refresh_timing();
  else ImGui::TextColored(kColorRunning, "running: the figures are from the last stop");
  for (size_t i = 0; i < a.tm.stats.size(); ++i) {
    const TimingStats& t = a.tm.stats[i];
    ImGui::PushID(int(i));
    const std::string head = a.tm.stats.size() > 1 ? "vcpu " + std::to_string(i) : std::string("CPI stack");
    if (ImGui::CollapsingHeader(head.c_str(), ImGuiTreeNodeFlags_DefaultOpen)) {
      ImGui::Text("%s: %llu instructions, %llu micro-ops", a.tm.config.c_str(), (unsigned long long)t.insns,
                  (unsigned long long)t.uops);
      ImGui::Text("%llu cycles (from cycle %llu), CPI %.3f, IPC %.3f", (unsigned long long)t.cycles,
                  (unsigned long long)a.tm.start[i], ratio(t.cycles, t.insns), ratio(t.insns, t.cycles));
      stack_table(t);
      counters(t);
      if (i < a.tm.functions.size()) function_table(a.tm.functions[i], t.cycles);
    }
    ImGui::PopID();
  }
  ImGui::End();
}

}  // namespace pvlab::ui
