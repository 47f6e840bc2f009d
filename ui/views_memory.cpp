// What the guest holds and prints: the memory hex view (linear or physical, editable), the
// stack, and the console.
#include <imgui.h>
#include <imgui_stdlib.h>

#include <cctype>
#include <cstdio>

#include "ui/app.h"
#include "ui/style.h"

namespace pvlab::ui {

void draw_memory(App& a) {
  if (!begin_window(a, Win::Memory)) {
    ImGui::End();
    return;
  }
  const bool dim = views_dimmed(a);
  ImGui::BeginDisabled(dim);
  ImGui::SetNextItemWidth(170);
  const bool go = ImGui::InputTextWithHint("##addr", "address, symbol or register", &a.mem.expr,
                                           ImGuiInputTextFlags_EnterReturnsTrue);
  ImGui::SameLine();
  if (ImGui::Button("Go") || go) {
    if (a.mem.phys) {
      if (auto v = parse_hex(a.mem.expr)) a.mem.addr = uint32_t(*v);
      else a.say("a physical address is a hexadecimal number", true);
    } else if (auto v = a.eval(a.mem.expr)) {
      a.mem.addr = *v;
    }
  }
  ImGui::SameLine();
  ImGui::Checkbox("physical", &a.mem.phys);
  ImGui::SameLine();
  if (ImGui::ArrowButton("up", ImGuiDir_Up)) a.mem.addr -= 0x1000;
  ImGui::SameLine();
  if (ImGui::ArrowButton("down", ImGuiDir_Down)) a.mem.addr += 0x1000;
  ImGui::SameLine();
  ImGui::TextDisabled("click a byte to edit it");
  ImGui::EndDisabled();
  if (!dim) a.refresh_memory();

  ImGui::BeginChild("hex", ImVec2(0, 0), false, ImGuiWindowFlags_HorizontalScrollbar);
  ImGui::BeginDisabled(dim);
  const float cw = ImGui::CalcTextSize("00").x;
  ImGuiListClipper clip;
  clip.Begin(int(a.mem.cells.size() / 16));
  while (clip.Step()) {
    for (int row = clip.DisplayStart; row < clip.DisplayEnd; ++row) {
      const uint32_t base = a.mem.read_addr + uint32_t(row) * 16;
      ImGui::TextDisabled("%s%08x", a.mem.read_phys ? "p:" : "", base);
      char ascii[17] = {};
      for (int k = 0; k < 16; ++k) {
        const int cell = a.mem.cells[size_t(row) * 16 + size_t(k)];
        const uint64_t addr = uint64_t(base) + unsigned(k);
        ascii[k] = cell >= 0x20 && cell < 0x7f ? char(cell) : '.';
        ImGui::SameLine(0, k == 8 ? 14.0f : 6.0f);
        ImGui::PushID(row * 16 + k);
        if (a.mem.edit == addr) {
          if (a.mem.focus_edit) {
            ImGui::SetKeyboardFocusHere();
            a.mem.focus_edit = false;
          }
          ImGui::SetNextItemWidth(cw + 6);
          if (ImGui::InputText("##e", &a.mem.edit_text,
                               ImGuiInputTextFlags_CharsHexadecimal | ImGuiInputTextFlags_EnterReturnsTrue |
                                   ImGuiInputTextFlags_AutoSelectAll)) {
            if (auto v = parse_hex(a.mem.edit_text); v && *v < 256 && a.write_byte(addr, uint8_t(*v), a.mem.read_phys)) {
              a.mem.edit = addr + 1;   // go on with the next byte
              a.mem.focus_edit = true;
              const size_t next = size_t(addr + 1 - a.mem.read_addr);
              a.mem.edit_text = next < a.mem.cells.size() && a.mem.cells[next] >= 0
                                    ? std::string(1, "0123456789abcdef"[a.mem.cells[next] >> 4]) +
                                          "0123456789abcdef"[a.mem.cells[next] & 15]
                                    : "00";
            } else {
              a.mem.edit.reset();
            }
          } else if (!ImGui::IsItemActive() && !a.mem.focus_edit && ImGui::IsMouseClicked(0)) {
            a.mem.edit.reset();
          }
        } else if (cell < 0) {
          ImGui::TextColored(kColorDim, "??");
        } else {
          char t[9];
          std::snprintf(t, sizeof t, "%02x", cell);
          if (ImGui::Selectable(t, false, 0, ImVec2(cw, 0)) && !dim) {
            a.mem.edit = addr;
            a.mem.edit_text = t;
            a.mem.focus_edit = true;
          }
        }
        ImGui::PopID();
      }
      ImGui::SameLine(0, 14);
      ImGui::TextUnformatted(ascii);
    }
  }
  ImGui::EndDisabled();
  ImGui::EndChild();
  ImGui::End();
}

void draw_stack(App& a) {
  if (!begin_window(a, Win::Stack)) {
    ImGui::End();
    return;
  }
  const bool dim = views_dimmed(a);
  if (!dim) a.refresh_stack();
  ImGui::BeginDisabled(dim);
  const uint32_t ebp = uint32_t(a.regs[size_t(Reg::SS_BASE)] + a.regs[size_t(Reg::EBP)]);
  if (a.stack.words.empty()) ImGui::TextColored(kColorDim, "ESP %08x is not readable", a.stack.esp);
  for (size_t k = 0; k < a.stack.words.size(); ++k) {
    const uint32_t at = a.stack.esp + uint32_t(k) * 4;
    const uint32_t w = a.stack.words[k];
    const std::string s = a.sym(w);
    ImGui::TextDisabled("%s%3zx", at == ebp ? "ebp>" : "    ", k * 4);
    ImGui::SameLine();
    ImGui::Text("%08x", w);
    if (!s.empty()) {
      ImGui::SameLine();
      ImGui::TextColored(kColorLabel, "%s", s.c_str());
    }
  }
  ImGui::EndDisabled();
  ImGui::End();
}

void draw_console(App& a) {
  if (!begin_window(a, Win::Console)) {
    ImGui::End();
    return;
  }
  if (!views_dimmed(a)) a.refresh_console();
  ImGui::BeginChild("text", ImVec2(0, 0), false, ImGuiWindowFlags_HorizontalScrollbar);
  if (a.con.text.empty()) ImGui::TextColored(kColorDim, "(the guest has printed nothing yet)");
  else ImGui::TextUnformatted(a.con.text.c_str(), a.con.text.c_str() + a.con.text.size());
  if (a.con.shown != a.con.text.size()) {   // new output: keep the end in view while it lays out
    a.con.shown = a.con.text.size();
    a.con.scroll = 3;
  }
  if (a.con.scroll > 0) {
    ImGui::SetScrollY(ImGui::GetScrollMaxY());   // (the text is one item: scroll by its size)
    --a.con.scroll;
  }
  ImGui::EndChild();
  ImGui::End();
}

}  // namespace pvlab::ui
