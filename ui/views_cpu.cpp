// The run controls, the registers, the disassembly and the breakpoints windows.
#include <SDL.h>
#include <imgui.h>
#include <imgui_stdlib.h>

#include <cstdio>

#include "ui/app.h"
#include "ui/style.h"

namespace pvlab::ui {

namespace {

std::string fmt(const char* f, auto... a) {
  char buf[256];
  std::snprintf(buf, sizeof buf, f, a...);
  return buf;
}

// A register's value as an editable hexadecimal field, red when the last run changed it.
void reg_field(App& a, Reg r, int digits = 8) {
  const uint64_t v = a.regs[size_t(r)];
  const bool changed = v != a.before[size_t(r)];
  char buf[24];
  std::snprintf(buf, sizeof buf, "%0*llx", digits, (unsigned long long)v);
  ImGui::PushID(int(r));
  if (changed) ImGui::PushStyleColor(ImGuiCol_Text, kColorChanged);
  ImGui::SetNextItemWidth(ImGui::CalcTextSize("0").x * float(digits + 2));
  const ImGuiInputTextFlags flags = ImGuiInputTextFlags_CharsHexadecimal | ImGuiInputTextFlags_EnterReturnsTrue |
                                    ImGuiInputTextFlags_AutoSelectAll |
                                    (reg_info(r).writable ? 0 : ImGuiInputTextFlags_ReadOnly);
  if (ImGui::InputText("##v", buf, sizeof buf, flags))
    if (auto nv = parse_hex(buf)) a.set_reg(r, *nv);
  if (changed) ImGui::PopStyleColor();
  ImGui::PopID();
}

// Bits of a register as check boxes; toggling one writes the register.
struct Bit {
  const char* name;
  unsigned bit;
};
void bit_boxes(App& a, Reg r, std::initializer_list<Bit> bits) {
  const uint64_t v = a.regs[size_t(r)];
  const uint64_t was = a.before[size_t(r)];
  ImGui::PushID(int(r) + 1000);
  for (const Bit& b : bits) {
    bool on = (v >> b.bit) & 1;
    const bool changed = on != bool((was >> b.bit) & 1);
    if (changed) ImGui::PushStyleColor(ImGuiCol_Text, kColorChanged);
    if (ImGui::Checkbox(b.name, &on)) a.set_reg(r, v ^ (uint64_t(1) << b.bit));
    if (changed) ImGui::PopStyleColor();
    ImGui::SameLine();
  }
  ImGui::NewLine();
  ImGui::PopID();
}

void reg_row(App& a, Reg r, int digits = 8) {
  ImGui::TableNextRow();
  ImGui::TableNextColumn();
  ImGui::TextUnformatted(reg_info(r).name);
  ImGui::TableNextColumn();
  reg_field(a, r, digits);
  ImGui::TableNextColumn();
}

}  // namespace

void draw_controls(App& a) {
  if (!begin_window(a, Win::Controls)) {
    ImGui::End();
    return;
  }
  const bool busy = a.busy();
  ImGui::BeginDisabled(busy || a.ended);
  if (ImGui::Button("Run (F5)")) a.start(RunMode::Continue);
  ImGui::SameLine();
  if (ImGui::Button("Step (F11)")) a.step();
  ImGui::SameLine();
  if (ImGui::Button("Step over (F10)")) a.start(RunMode::StepOver);
  ImGui::SameLine();
  ImGui::BeginDisabled(!a.dis.cursor);
  if (ImGui::Button("Run to cursor (F4)") && a.dis.cursor) a.start(RunMode::RunTo, *a.dis.cursor);
  ImGui::EndDisabled();
  ImGui::EndDisabled();
  ImGui::SameLine();
  ImGui::BeginDisabled(!busy);
  if (ImGui::Button("Pause (F6)")) a.pause();
  ImGui::EndDisabled();
  if (a.s.vcpus() > 1) {
    ImGui::SameLine();
    int v = int(a.s.vcpu());
    ImGui::SetNextItemWidth(90);
    ImGui::BeginDisabled(busy);
    if (ImGui::InputInt("vcpu", &v) && v >= 0 && unsigned(v) < a.s.vcpus()) {
      a.s.select_vcpu(unsigned(v));
      a.refresh();
    }
    ImGui::EndDisabled();
  }
  ImGui::SameLine(0, 30);
  ImGui::Text("instructions %llu   cycles %llu   pc %08x %s", (unsigned long long)a.counters.insns,
              (unsigned long long)a.counters.cycles, a.pc(), a.sym(a.pc()).c_str());
  ImGui::SameLine(0, 30);
  ImGui::TextDisabled("%s machine, %s", a.pv ? "PV" : "PC", a.image_name.c_str());
  ImGui::PushStyleColor(ImGuiCol_Text, busy ? kColorRunning : a.status_error ? kColorError : kColorStatus);
  ImGui::TextUnformatted(busy ? "running... (F6 pauses)" : a.status.c_str());
  ImGui::PopStyleColor();
  if (a.replay) {
    // Where in the recording, and whether the run still is the recorded one.
    ImGui::SameLine(0, 30);
    ImGui::PushStyleColor(ImGuiCol_Text, a.rp.diverged() ? kColorError : kColorStatus);
    ImGui::TextUnformatted(a.rp.line().c_str());
    ImGui::PopStyleColor();
  }
  if (a.s.reverse_enabled()) {
    // Going back: restore the nearest snapshot and replay (frontend/session.h).
    ImGui::BeginDisabled(busy);
    if (ImGui::Button("Step back (Shift+F11)")) a.step_back();
    ImGui::SameLine();
    if (ImGui::Button("Reverse continue (Shift+F5)")) a.reverse_continue();
    ImGui::SameLine();
    static uint64_t drag = 0;
    static bool dragging = false;
    if (!dragging) drag = a.timeline.now;
    uint64_t lo = a.timeline.begin, hi = std::max(a.timeline_end(), lo + 1);
    ImGui::SetNextItemWidth(-1);
    const std::string label = a.replay ? "instruction %llu of " + std::to_string(a.rp.total_insns) : "instruction %llu";
    ImGui::SliderScalar("##timeline", ImGuiDataType_U64, &drag, &lo, &hi, label.c_str());
    dragging = ImGui::IsItemActive();
    if (ImGui::IsItemDeactivatedAfterEdit()) a.go_to(drag);
    if (ImGui::IsItemHovered() && a.replay)
      ImGui::SetTooltip("the recording, instructions %llu to %llu (run so far: to %llu, %zu snapshots): drag to go "
                        "there",
                        (unsigned long long)a.timeline.begin, (unsigned long long)a.rp.total_insns,
                        (unsigned long long)a.timeline.end, a.timeline.snapshots);
    else if (ImGui::IsItemHovered())
      ImGui::SetTooltip("the run so far, instructions %llu to %llu (%zu snapshots): drag to go there",
                        (unsigned long long)a.timeline.begin, (unsigned long long)a.timeline.end,
                        a.timeline.snapshots);
    ImGui::EndDisabled();
  }
  ImGui::End();
}

void draw_registers(App& a) {
  if (!begin_window(a, Win::Registers)) {
    ImGui::End();
    return;
  }
  ImGui::BeginDisabled(views_dimmed(a));
  if (ImGui::CollapsingHeader("General", ImGuiTreeNodeFlags_DefaultOpen) &&
      ImGui::BeginTable("gen", 3, ImGuiTableFlags_SizingFixedFit)) {
    for (Reg r : {Reg::EAX, Reg::EBX, Reg::ECX, Reg::EDX, Reg::ESI, Reg::EDI, Reg::EBP, Reg::ESP, Reg::EIP}) {
      reg_row(a, r);
      const uint32_t v = uint32_t(a.regs[size_t(r)]);
      const std::string s = r == Reg::EIP ? a.sym(a.pc()) : a.sym(v);
      if (!s.empty()) ImGui::TextDisabled("%s", s.c_str());
    }
    reg_row(a, Reg::EFLAGS);
    ImGui::TextDisabled("IOPL %u", unsigned(a.regs[size_t(Reg::EFLAGS)] >> 12) & 3);
    ImGui::EndTable();
  }
  if (ImGui::CollapsingHeader("Flags", ImGuiTreeNodeFlags_DefaultOpen)) {
    bit_boxes(a, Reg::EFLAGS, {{"CF", 0}, {"PF", 2}, {"AF", 4}, {"ZF", 6}, {"SF", 7}});
    bit_boxes(a, Reg::EFLAGS, {{"TF", 8}, {"IF", 9}, {"DF", 10}, {"OF", 11}, {"NT", 14}});
    bit_boxes(a, Reg::EFLAGS, {{"RF", 16}, {"VM", 17}, {"AC", 18}, {"VIF", 19}, {"VIP", 20}, {"ID", 21}});
  }
  if (ImGui::CollapsingHeader("Segments", ImGuiTreeNodeFlags_DefaultOpen) &&
      ImGui::BeginTable("seg", 4, ImGuiTableFlags_SizingFixedFit)) {
    static const Reg kSel[] = {Reg::CS, Reg::SS, Reg::DS, Reg::ES, Reg::FS, Reg::GS};
    static const Reg kBase[] = {Reg::CS_BASE, Reg::SS_BASE, Reg::DS_BASE, Reg::ES_BASE, Reg::FS_BASE, Reg::GS_BASE};
    static const Reg kLimit[] = {Reg::CS_LIMIT, Reg::SS_LIMIT, Reg::DS_LIMIT, Reg::ES_LIMIT, Reg::FS_LIMIT, Reg::GS_LIMIT};
    for (int k = 0; k < 6; ++k) {
      reg_row(a, kSel[k], 4);
      reg_field(a, kBase[k]);
      ImGui::TableNextColumn();
      reg_field(a, kLimit[k]);
    }
    ImGui::EndTable();
    ImGui::Text("CPL %u", unsigned(a.regs[size_t(Reg::CPL)]));
  }
  if (ImGui::CollapsingHeader("System", ImGuiTreeNodeFlags_DefaultOpen)) {
    if (ImGui::BeginTable("sys", 3, ImGuiTableFlags_SizingFixedFit)) {
      for (Reg r : {Reg::CR0, Reg::CR2, Reg::CR3, Reg::CR4}) reg_row(a, r);
      reg_row(a, Reg::EFER, 8);
      reg_row(a, Reg::GDTR_BASE);
      reg_field(a, Reg::GDTR_LIMIT, 4);
      reg_row(a, Reg::IDTR_BASE);
      reg_field(a, Reg::IDTR_LIMIT, 4);
      reg_row(a, Reg::LDTR, 4);
      reg_row(a, Reg::TR, 4);
      for (Reg r : {Reg::DR0, Reg::DR1, Reg::DR2, Reg::DR3, Reg::DR6, Reg::DR7}) reg_row(a, r);
      ImGui::EndTable();
    }
    ImGui::TextDisabled("CR0");
    bit_boxes(a, Reg::CR0, {{"PE", 0}, {"MP", 1}, {"EM", 2}, {"TS", 3}, {"ET", 4}, {"NE", 5}});
    bit_boxes(a, Reg::CR0, {{"WP", 16}, {"AM", 18}, {"NW", 29}, {"CD", 30}, {"PG", 31}});
    ImGui::TextDisabled("CR4");
    bit_boxes(a, Reg::CR4, {{"VME", 0}, {"PVI", 1}, {"TSD", 2}, {"DE", 3}, {"PSE", 4}, {"PAE", 5}});
    bit_boxes(a, Reg::CR4, {{"MCE", 6}, {"PGE", 7}, {"PCE", 8}, {"OSFXSR", 9}, {"OSXMMEXCPT", 10}});
    ImGui::TextDisabled("EFER");
    bit_boxes(a, Reg::EFER, {{"SCE", 0}, {"NXE", 11}});
  }
  ImGui::EndDisabled();
  ImGui::End();
}

void draw_disassembly(App& a) {
  if (!begin_window(a, Win::Disassembly)) {
    ImGui::End();
    return;
  }
  const bool dim = views_dimmed(a);
  if (!dim) a.refresh_disasm();
  ImGui::BeginDisabled(dim);
  if (ImGui::Checkbox("follow EIP", &a.dis.follow) && a.dis.follow) a.dis.scroll = true;
  ImGui::SameLine();
  ImGui::SetNextItemWidth(160);
  const bool go = ImGui::InputTextWithHint("##goto", "address or symbol", &a.dis.goto_text,
                                           ImGuiInputTextFlags_EnterReturnsTrue);
  ImGui::SameLine();
  if ((ImGui::Button("Go") || go) && !a.dis.goto_text.empty())
    if (auto v = a.eval(a.dis.goto_text)) {
      a.dis.follow = false;
      a.dis.view_addr = *v;
      a.dis.cursor = *v;
    }
  ImGui::SameLine();
  ImGui::TextDisabled("click: select, double-click or gutter: breakpoint, right-click: menu");
  ImGui::EndDisabled();

  ImGui::BeginChild("listing", ImVec2(0, 0), false, ImGuiWindowFlags_HorizontalScrollbar);
  ImGui::BeginDisabled(dim);
  const float lh = ImGui::GetTextLineHeight();
  const uint32_t pc = a.pc();
  ImDrawList* dl = ImGui::GetWindowDrawList();
  for (const DisasmLine& l : a.dis.lines) {
    if (!l.label.empty()) ImGui::TextColored(kColorLabel, "%s:", l.label.c_str());
    ImGui::PushID(int(l.addr));
    const ImVec2 p = ImGui::GetCursorScreenPos();
    if (ImGui::InvisibleButton("bp", ImVec2(lh, lh)) && l.len) a.toggle_breakpoint(l.addr);
    const ImVec2 c(p.x + lh * 0.5f, p.y + lh * 0.5f);
    if (a.has_breakpoint(l.addr)) dl->AddCircleFilled(c, lh * 0.38f, ImGui::GetColorU32(kColorBreakpoint));
    else if (ImGui::IsItemHovered()) dl->AddCircle(c, lh * 0.38f, ImGui::GetColorU32(kColorBreakpoint));
    ImGui::SameLine();
    const bool at_pc = l.addr == pc;
    if (at_pc) ImGui::PushStyleColor(ImGuiCol_Text, kColorPc);
    const std::string text = fmt("%s %08x  %-18s %s", at_pc ? "=>" : "  ", l.addr, l.bytes.c_str(), l.text.c_str());
    if (ImGui::Selectable(text.c_str(), a.dis.cursor == l.addr, ImGuiSelectableFlags_AllowDoubleClick)) {
      a.dis.cursor = l.addr;
      if (ImGui::IsMouseDoubleClicked(0) && l.len) a.toggle_breakpoint(l.addr);
    }
    if (at_pc) ImGui::PopStyleColor();
    if (ImGui::BeginPopupContextItem("menu")) {
      a.dis.cursor = l.addr;
      if (ImGui::MenuItem("Run to here", "F4", false, !a.busy())) a.start(RunMode::RunTo, l.addr);
      if (ImGui::MenuItem("Toggle breakpoint", "F9")) a.toggle_breakpoint(l.addr);
      if (ImGui::MenuItem("Show in memory")) {
        a.mem.addr = l.addr;
        a.mem.phys = false;
        a.mem.expr = fmt("%08x", l.addr);
        a.open[size_t(Win::Memory)] = true;
      }
      if (ImGui::MenuItem("Translate this address")) {
        a.translate(l.addr);
        a.open[size_t(Win::PageTables)] = true;
      }
      ImGui::EndPopup();
    }
    if (at_pc && a.dis.scroll && a.dis.follow) {
      ImGui::SetScrollHereY(0.3f);
      a.dis.scroll = false;
    } else if (!a.dis.follow && a.dis.scroll && l.addr == a.dis.view_addr) {
      ImGui::SetScrollHereY(0.3f);
      a.dis.scroll = false;
    }
    ImGui::PopID();
  }
  ImGui::EndDisabled();
  ImGui::EndChild();
  ImGui::End();
}

void draw_breakpoints(App& a) {
  if (!begin_window(a, Win::Breakpoints)) {
    ImGui::End();
    return;
  }
  ImGui::BeginDisabled(a.busy());
  ImGui::SetNextItemWidth(170);
  const bool add = ImGui::InputTextWithHint("##bp", "address or symbol", &a.brk.bp_text,
                                            ImGuiInputTextFlags_EnterReturnsTrue);
  ImGui::SameLine();
  if ((ImGui::Button("Add breakpoint") || add) && !a.brk.bp_text.empty())
    if (auto v = a.eval(a.brk.bp_text)) {
      if (!a.has_breakpoint(*v)) a.toggle_breakpoint(*v);
      a.brk.bp_text.clear();
    }
  int remove_bp = 0, remove_wp = 0;
  for (const BreakpointInfo& b : a.bps) {
    ImGui::PushID(b.id);
    if (ImGui::SmallButton("x")) remove_bp = b.id;
    ImGui::SameLine();
    const std::string where = b.phys ? std::string() : a.sym(uint32_t(b.addr));
    ImGui::Text("#%d %s %08llx %s", b.id, b.phys ? "physical" : "", (unsigned long long)b.addr, where.c_str());
    ImGui::PopID();
  }
  ImGui::Separator();
  ImGui::SetNextItemWidth(120);
  ImGui::InputTextWithHint("##wp", "address", &a.brk.wp_text);
  ImGui::SameLine();
  ImGui::SetNextItemWidth(70);
  ImGui::InputInt("len", &a.brk.wp_len);
  ImGui::SameLine();
  ImGui::SetNextItemWidth(80);
  ImGui::Combo("##kind", &a.brk.wp_kind, "read\0write\0access\0");
  ImGui::SameLine();
  ImGui::Checkbox("phys", &a.brk.wp_phys);
  ImGui::SameLine();
  if (ImGui::Button("Add watchpoint") && !a.brk.wp_text.empty()) {
    if (auto v = a.eval(a.brk.wp_text); v && a.brk.wp_len > 0) {
      Watchpoint w;
      w.addr = *v;
      w.len = uint32_t(a.brk.wp_len);
      w.kind = a.brk.wp_kind == 0 ? watch::kRead : a.brk.wp_kind == 1 ? watch::kWrite : watch::kAccess;
      w.phys = a.brk.wp_phys;
      a.s.add_watchpoint(w);
      a.wps = a.s.watchpoints();
    }
  }
  for (const WatchpointInfo& w : a.wps) {
    ImGui::PushID(w.id + 100000);
    if (ImGui::SmallButton("x")) remove_wp = w.id;
    ImGui::SameLine();
    ImGui::Text("#%d watch %s %s%08llx len %u", w.id,
                w.w.kind == watch::kRead ? "read" : w.w.kind == watch::kWrite ? "write" : "access",
                w.w.phys ? "phys " : "", (unsigned long long)w.w.addr, w.w.len);
    ImGui::PopID();
  }
  ImGui::Separator();
  ImGui::SetNextItemWidth(80);
  const bool vec = ImGui::InputTextWithHint("##vec", "vector", &a.brk.vector_text, ImGuiInputTextFlags_EnterReturnsTrue);
  ImGui::SameLine();
  if ((ImGui::Button("Catch vector") || vec) && !a.brk.vector_text.empty()) {
    if (auto v = parse_hex(a.brk.vector_text); v && *v < 256) {
      a.s.catch_vector(uint8_t(*v), true);
      a.say(fmt("stopping after every event with vector %#x", unsigned(*v)));
    } else {
      a.say("a vector is a hexadecimal number below 0x100", true);
    }
  }
  if (a.pv) {
    ImGui::SameLine();
    if (ImGui::Checkbox("stop on refused hypercalls", &a.hc.catch_refused))
      a.s.catch_hypercall(std::nullopt, a.hc.catch_refused, true);
    if (ImGui::Checkbox("stop on refused page-table / descriptor updates", &a.hc.catch_rejected))
      a.s.catch_rejected_updates(a.hc.catch_rejected);
    // Upcalls: for one port, or any when the field is empty.
    bool upcall_changed = ImGui::Checkbox("stop on event upcalls", &a.hc.catch_upcall);
    ImGui::SameLine();
    ImGui::SetNextItemWidth(80);
    ImGui::BeginDisabled(a.hc.catch_upcall);
    ImGui::InputTextWithHint("##upcall_port", "any port", &a.hc.upcall_port);
    ImGui::EndDisabled();
    if (upcall_changed) a.catch_upcall(a.hc.catch_upcall);
  }
  ImGui::SameLine();
  if (ImGui::Button("Clear catches")) {
    a.s.clear_catches();
    a.hc.catch_refused = false;
    a.hc.catch_rejected = false;
    a.hc.catch_upcall = false;
  }
  ImGui::EndDisabled();
  if (remove_bp) {
    a.s.remove_breakpoint(remove_bp);
    a.bps = a.s.breakpoints();
  }
  if (remove_wp) {
    a.s.remove_watchpoint(remove_wp);
    a.wps = a.s.watchpoints();
  }
  ImGui::End();
}

}  // namespace pvlab::ui
