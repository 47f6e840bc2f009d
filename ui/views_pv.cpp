// The PV hypervisor's views: the hypercall log (filter, each call expanded to its arguments
// and verdict), the event channels, and the frame table.
#include <imgui.h>
#include <imgui_stdlib.h>

#include <algorithm>
#include <cctype>
#include <cstdio>

#include "ui/app.h"
#include "ui/style.h"

namespace pvlab::ui {

namespace {

bool not_pv(App& a) {
  if (a.pv) return false;
  ImGui::TextColored(kColorDim, "not a PV domain: this view shows the PV hypervisor's state");
  return true;
}

std::string lower(std::string s) {
  for (char& c : s) c = char(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

void draw_hypercalls(App& a) {
  if (!begin_window(a, Win::Hypercalls)) {
    ImGui::End();
    return;
  }
  if (not_pv(a)) {
    ImGui::End();
    return;
  }
  if (!views_dimmed(a)) a.refresh_hypercalls();
  const HypercallLogRecord& log = a.hc.log;
  ImGui::Text("%llu hypercalls, %llu refused", (unsigned long long)log.total, (unsigned long long)log.refused);
  ImGui::SameLine();
  ImGui::SetNextItemWidth(150);
  ImGui::InputTextWithHint("##filter", "filter: name or number", &a.hc.filter);
  ImGui::SameLine();
  ImGui::Checkbox("refused only", &a.hc.refused_only);
  ImGui::BeginChild("calls", ImVec2(0, 0), false, ImGuiWindowFlags_HorizontalScrollbar);
  const std::string f = lower(a.hc.filter);
  constexpr size_t kShown = 1000;
  std::vector<const HypercallRecordView*> rows;
  for (auto it = log.calls.rbegin(); it != log.calls.rend() && rows.size() < kShown; ++it) {
    if (a.hc.refused_only && it->result >= 0) continue;
    if (!f.empty() && lower(it->name).find(f) == std::string::npos && std::to_string(it->nr) != f) continue;
    rows.push_back(&*it);
  }
  std::reverse(rows.begin(), rows.end());
  if (rows.size() == kShown) ImGui::TextColored(kColorDim, "(the last %zu matching calls)", kShown);
  for (const HypercallRecordView* c : rows) {
    const bool refused = c->result < 0;
    if (refused) ImGui::PushStyleColor(ImGuiCol_Text, kColorError);
    if (a.hc.expand_last && c == rows.back()) ImGui::SetNextItemOpen(true);
    const bool open = ImGui::TreeNodeEx((void*)(uintptr_t)c->seq, ImGuiTreeNodeFlags_SpanAvailWidth,
                                        "#%llu  cycle %llu  vcpu %u  %s", (unsigned long long)c->seq,
                                        (unsigned long long)c->cycle, c->vcpu, c->line.c_str());
    if (refused) ImGui::PopStyleColor();
    if (!open) continue;
    ImGui::Text("hypercall %u (%s)", c->nr, c->name.c_str());
    if (ImGui::BeginTable("args", 4, ImGuiTableFlags_SizingFixedFit | ImGuiTableFlags_Borders)) {
      static const char* kRegs[] = {"ebx", "ecx", "edx", "esi", "edi"};
      for (size_t k = 0; k < c->args.size(); ++k) {
        const HypercallArgRecord& arg = c->args[k];
        ImGui::TableNextRow();
        ImGui::TableNextColumn();
        ImGui::Text("arg %zu", k);
        ImGui::TableNextColumn();
        ImGui::TextUnformatted(k < 5 ? kRegs[k] : "");
        ImGui::TableNextColumn();
        ImGui::TextUnformatted(arg.kind.c_str());
        ImGui::TableNextColumn();
        ImGui::Text("%s  (%08x)", arg.text.c_str(), arg.value);
      }
      ImGui::EndTable();
    }
    if (refused) {
      ImGui::TextColored(kColorError, "refused: %d%s%s", c->result, c->reason.empty() ? "" : ": ",
                         c->reason.c_str());
    } else {
      ImGui::TextColored(kColorStatus, "accepted: returned %d", c->result);
    }
    ImGui::TreePop();
  }
  if (a.hc.shown != log.total || a.hc.expand_last) {   // new calls: show the newest
    a.hc.shown = size_t(log.total);
    a.hc.scroll = 3;
  }
  if (!rows.empty()) a.hc.expand_last = false;
  if (a.hc.scroll > 0) {
    ImGui::SetScrollHereY(1.0f);
    --a.hc.scroll;
  }
  ImGui::EndChild();
  ImGui::End();
}

void draw_evtchn(App& a) {
  if (!begin_window(a, Win::Evtchn)) {
    ImGui::End();
    return;
  }
  if (not_pv(a)) {
    ImGui::End();
    return;
  }
  if (!views_dimmed(a)) a.refresh_evtchn();
  const EvtchnRecord& r = a.ev.rec;
  ImGui::Text("domain %u, shared_info at mfn %#x", r.domain, r.shared_info_mfn);
  if (ImGui::BeginTable("vcpus", 3, ImGuiTableFlags_SizingFixedFit | ImGuiTableFlags_Borders)) {
    ImGui::TableSetupColumn("vcpu");
    ImGui::TableSetupColumn("upcall pending");
    ImGui::TableSetupColumn("upcall mask");
    ImGui::TableHeadersRow();
    for (const EvtchnVcpuRecord& v : r.vcpus) {
      ImGui::TableNextRow();
      ImGui::TableNextColumn();
      ImGui::Text("%u", v.vcpu);
      ImGui::TableNextColumn();
      if (v.has_info) ImGui::Text("%u", unsigned(v.upcall_pending));
      else ImGui::TextColored(kColorDim, "no vcpu_info");
      ImGui::TableNextColumn();
      if (v.has_info) ImGui::Text("%u", unsigned(v.upcall_mask));
    }
    ImGui::EndTable();
  }
  if (r.ports.empty()) ImGui::TextColored(kColorDim, "(no ports in use)");
  else if (ImGui::BeginTable("ports", 6, ImGuiTableFlags_SizingFixedFit | ImGuiTableFlags_RowBg | ImGuiTableFlags_ScrollY)) {
    ImGui::TableSetupScrollFreeze(0, 1);
    for (const char* h : {"port", "state", "vcpu", "bound to", "pending", "masked"}) ImGui::TableSetupColumn(h);
    ImGui::TableHeadersRow();
    for (const EvtchnPortRecord& p : r.ports) {
      ImGui::TableNextRow();
      ImGui::TableNextColumn();
      ImGui::Text("%u", p.port);
      ImGui::TableNextColumn();
      ImGui::TextUnformatted(p.state.c_str());
      ImGui::TableNextColumn();
      ImGui::Text("%u", p.vcpu);
      ImGui::TableNextColumn();
      ImGui::TextUnformatted(p.bound.c_str());
      ImGui::TableNextColumn();
      if (p.pending) ImGui::TextColored(kColorChanged, "pending");
      ImGui::TableNextColumn();
      if (p.masked) ImGui::TextUnformatted("masked");
    }
    ImGui::EndTable();
  }
  ImGui::End();
}

void draw_frames(App& a) {
  if (!begin_window(a, Win::Frames)) {
    ImGui::End();
    return;
  }
  if (not_pv(a)) {
    ImGui::End();
    return;
  }
  if (!views_dimmed(a)) a.refresh_frames();
  ImGui::Text("%zu machine frames", a.fr.frames.size());
  if (ImGui::BeginTable("summary", 2, ImGuiTableFlags_SizingFixedFit | ImGuiTableFlags_Borders)) {
    for (const auto& [k, n] : a.fr.summary) {
      ImGui::TableNextRow();
      ImGui::TableNextColumn();
      if (k.rfind("xen", 0) == 0) ImGui::TextColored(kColorHypervisor, "%s", k.c_str());
      else ImGui::TextUnformatted(k.c_str());
      ImGui::TableNextColumn();
      ImGui::Text("%u", n);
    }
    ImGui::EndTable();
  }
  ImGui::Checkbox("page-table, descriptor and pinned frames only", &a.fr.typed_only);
  std::vector<uint32_t> rows;
  for (const FrameRecord& f : a.fr.frames)
    if (!a.fr.typed_only || f.pinned || (f.type != "none" && f.type != "writable")) rows.push_back(f.mfn);
  if (ImGui::BeginTable("frames", 6, ImGuiTableFlags_SizingFixedFit | ImGuiTableFlags_RowBg | ImGuiTableFlags_ScrollY)) {
    ImGui::TableSetupScrollFreeze(0, 1);
    for (const char* h : {"mfn", "pfn", "owner", "type", "type count / count", "flags"}) ImGui::TableSetupColumn(h);
    ImGui::TableHeadersRow();
    ImGuiListClipper clip;
    clip.Begin(int(rows.size()));
    while (clip.Step())
      for (int k = clip.DisplayStart; k < clip.DisplayEnd; ++k) {
        const FrameRecord& f = a.fr.frames[rows[size_t(k)]];
        ImGui::TableNextRow();
        ImGui::TableNextColumn();
        ImGui::Text("%#7x", f.mfn);
        ImGui::TableNextColumn();
        ImGui::Text("%#7x", f.pfn);
        ImGui::TableNextColumn();
        if (f.xen()) ImGui::TextColored(kColorHypervisor, "%s", f.owner_name.c_str());
        else ImGui::TextUnformatted(f.owner_name.c_str());
        ImGui::TableNextColumn();
        ImGui::TextUnformatted(f.type.c_str());
        ImGui::TableNextColumn();
        ImGui::Text("%u / %u", f.type_count, f.count);
        ImGui::TableNextColumn();
        ImGui::Text("%s%s%s%s", f.validated ? "validated " : "", f.pinned ? "pinned " : "",
                    f.pae_xen_l2 ? "pae_xen_l2 " : "", f.shared_xen ? "shared_xen" : "");
      }
    ImGui::EndTable();
  }
  ImGui::End();
}

}  // namespace pvlab::ui
