// The descriptor tables: GDT, LDT, IDT, the current TSS, and a PV domain's virtual trap
// table and callbacks.
#include <imgui.h>

#include <cstdio>

#include "ui/app.h"
#include "ui/style.h"

namespace pvlab::ui {

namespace {

void descriptor_rows(App& a, const std::vector<DescriptorView>& rows, DescTableKind kind) {
  const bool idt = kind == DescTableKind::Idt;
  if (rows.empty()) {
    ImGui::TextColored(kColorDim, "(no entries)");
    return;
  }
  if (!ImGui::BeginTable("desc", 6, ImGuiTableFlags_SizingFixedFit | ImGuiTableFlags_RowBg |
                                        ImGuiTableFlags_ScrollY | ImGuiTableFlags_Resizable))
    return;
  ImGui::TableSetupScrollFreeze(0, 1);
  ImGui::TableSetupColumn(idt ? "vector" : "selector");
  ImGui::TableSetupColumn("raw");
  ImGui::TableSetupColumn("P/DPL");
  ImGui::TableSetupColumn("type");
  ImGui::TableSetupColumn(idt ? "target" : "base / limit");
  ImGui::TableSetupColumn("flags");
  ImGui::TableHeadersRow();
  for (const DescriptorView& d : rows) {
    ImGui::TableNextRow();
    ImGui::TableNextColumn();
    if (idt) ImGui::Text("%3u (%02x)", d.index, d.index);
    else ImGui::Text("%04x", (d.index * 8) | (kind == DescTableKind::Ldt ? 4 : 0));
    ImGui::TableNextColumn();
    ImGui::Text("%016llx", (unsigned long long)d.raw);
    ImGui::TableNextColumn();
    if (d.present) ImGui::Text("P %u", d.dpl);
    else ImGui::TextColored(kColorDim, "- %u", d.dpl);
    ImGui::TableNextColumn();
    ImGui::TextUnformatted(d.type.c_str());
    ImGui::TableNextColumn();
    if (d.gate) {
      const std::string s = a.sym(d.offset);
      ImGui::Text("%04x:%08x %s", d.selector, d.offset, s.c_str());
    } else {
      ImGui::Text("%08x / %08x", d.base, d.limit);
    }
    ImGui::TableNextColumn();
    ImGui::TextUnformatted(d.flags.c_str());
  }
  ImGui::EndTable();
}

void pv_traps(App& a) {
  const PvTrapsRecord& t = a.desc.traps;
  ImGui::Text("vcpu %u: the guest's virtual trap table (HYPERVISOR_set_trap_table)", a.s.vcpu());
  if (ImGui::BeginTable("cb", 2, ImGuiTableFlags_SizingFixedFit)) {
    for (const auto& [name, value] : t.callbacks) {
      ImGui::TableNextRow();
      ImGui::TableNextColumn();
      ImGui::TextUnformatted(name.c_str());
      ImGui::TableNextColumn();
      ImGui::TextUnformatted(value.c_str());
    }
    ImGui::EndTable();
  }
  if (t.traps.empty()) {
    ImGui::TextColored(kColorDim, "(no trap table entries set)");
    return;
  }
  if (!ImGui::BeginTable("traps", 4, ImGuiTableFlags_SizingFixedFit | ImGuiTableFlags_RowBg | ImGuiTableFlags_ScrollY))
    return;
  ImGui::TableSetupScrollFreeze(0, 1);
  ImGui::TableSetupColumn("vector");
  ImGui::TableSetupColumn("DPL");
  ImGui::TableSetupColumn("handler");
  ImGui::TableSetupColumn("events");
  ImGui::TableHeadersRow();
  for (const TrapRecord& r : t.traps) {
    ImGui::TableNextRow();
    ImGui::TableNextColumn();
    ImGui::Text("%3u (%02x)", r.vector, r.vector);
    ImGui::TableNextColumn();
    ImGui::Text("%u", r.dpl);
    ImGui::TableNextColumn();
    ImGui::Text("%04x:%08x %s", r.cs, r.eip, a.sym(r.eip).c_str());
    ImGui::TableNextColumn();
    ImGui::TextUnformatted(r.mask_events ? "masked on entry" : "");
  }
  ImGui::EndTable();
}

ImGuiTabItemFlags tab_flags(App& a, const char* name) {
  return a.desc.select_tab == name ? ImGuiTabItemFlags_SetSelected : 0;
}

}  // namespace

void draw_descriptors(App& a) {
  if (!begin_window(a, Win::Descriptors)) {
    ImGui::End();
    return;
  }
  if (views_dimmed(a)) {
    ImGui::TextDisabled("running...");
    ImGui::End();
    return;
  }
  a.refresh_descriptors();
  if (ImGui::BeginTabBar("tables")) {
    if (ImGui::BeginTabItem("GDT", nullptr, tab_flags(a, "GDT"))) {
      ImGui::Text("GDTR %08llx limit %04llx", (unsigned long long)a.regs[size_t(Reg::GDTR_BASE)],
                  (unsigned long long)a.regs[size_t(Reg::GDTR_LIMIT)]);
      descriptor_rows(a, a.desc.gdt, DescTableKind::Gdt);
      ImGui::EndTabItem();
    }
    if (ImGui::BeginTabItem("LDT", nullptr, tab_flags(a, "LDT"))) {
      ImGui::Text("LDTR %04llx", (unsigned long long)a.regs[size_t(Reg::LDTR)]);
      descriptor_rows(a, a.desc.ldt, DescTableKind::Ldt);
      ImGui::EndTabItem();
    }
    if (ImGui::BeginTabItem("IDT", nullptr, tab_flags(a, "IDT"))) {
      ImGui::Text("IDTR %08llx limit %04llx", (unsigned long long)a.regs[size_t(Reg::IDTR_BASE)],
                  (unsigned long long)a.regs[size_t(Reg::IDTR_LIMIT)]);
      descriptor_rows(a, a.desc.idt, DescTableKind::Idt);
      ImGui::EndTabItem();
    }
    if (ImGui::BeginTabItem("TSS", nullptr, tab_flags(a, "TSS"))) {
      ImGui::TextUnformatted(a.desc.tss.c_str());
      ImGui::EndTabItem();
    }
    if (a.pv && ImGui::BeginTabItem("PV traps", nullptr, tab_flags(a, "PV traps"))) {
      pv_traps(a);
      ImGui::EndTabItem();
    }
    ImGui::EndTabBar();
  }
  a.desc.select_tab.clear();
  ImGui::End();
}

}  // namespace pvlab::ui
