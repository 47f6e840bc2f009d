// Paging: the page-table explorer (the tree from CR3, PAE or 2-level, with each entry's bits,
// the hypervisor's area and frames marked, and the walk of one address step by step) and
// the TLBs.
#include <imgui.h>
#include <imgui_stdlib.h>

#include <cstdio>

#include "ui/app.h"
#include "ui/style.h"

namespace pvlab::ui {

namespace {

constexpr uint64_t kPaeFrame = 0x0000000ffffff000ull;

std::string fmt(const char* f, auto... a) {
  char buf[256];
  std::snprintf(buf, sizeof buf, f, a...);
  return buf;
}

struct Explorer {
  App& a;
  bool pae;
  bool pse;
  uint32_t hv_start;

  // What the frame table says of the frame an entry points to (PV only).
  std::string frame_note(uint64_t frame_addr) const {
    const uint64_t mfn = frame_addr >> 12;
    if (!a.pv || mfn >= a.pt.frames.size()) return {};
    const FrameRecord& f = a.pt.frames[mfn];
    std::string s = " [" + f.owner_name + " " + f.type;
    if (f.pinned) s += " pinned";
    return s + "]";
  }
  bool in_hv(uint64_t lin) const { return a.pv && lin >= hv_start; }
  bool xen_frame(uint64_t frame_addr) const {
    const uint64_t mfn = frame_addr >> 12;
    return a.pv && mfn < a.pt.frames.size() && a.pt.frames[mfn].xen();
  }

  // One entry's line; a tree node when it points to a further table.
  bool entry(const char* level, unsigned index, uint64_t lin, uint64_t span, uint64_t e, bool table) {
    const uint64_t frame = pae ? (e & kPaeFrame) : (e & 0xfffff000u);
    const bool hv = in_hv(lin);
    const std::string text =
        fmt("%s %3x  %08llx-%08llx  %0*llx  %s", level, index, (unsigned long long)lin,
            (unsigned long long)(lin + span - 1), pae ? 16 : 8, (unsigned long long)e,
            pte_flags(e, pae).c_str()) +
        fmt("  -> %#llx", (unsigned long long)frame) + frame_note(frame) + (hv ? "  (hypervisor area)" : "");
    const bool mark = hv || xen_frame(frame);
    if (mark) ImGui::PushStyleColor(ImGuiCol_Text, kColorHypervisor);
    bool open = false;
    if (table) {
      if (a.pt.reveal && *a.pt.reveal >= lin && *a.pt.reveal - lin < span) ImGui::SetNextItemOpen(true);
      open = ImGui::TreeNodeEx((void*)(uintptr_t)(lin * 8 + std::string(level).size()), 0, "%s", text.c_str());
    } else {
      ImGui::TreeNodeEx((void*)(uintptr_t)(lin * 8 + std::string(level).size()),
                        ImGuiTreeNodeFlags_Leaf | ImGuiTreeNodeFlags_NoTreePushOnOpen, "%s", text.c_str());
    }
    if (mark) ImGui::PopStyleColor();
    if (ImGui::BeginPopupContextItem()) {
      if (ImGui::MenuItem("Translate this address")) a.translate(uint32_t(lin));
      if (ImGui::MenuItem("Show the frame in memory")) {
        a.mem.phys = true;
        a.mem.addr = uint32_t(frame);
        a.mem.expr = fmt("%llx", (unsigned long long)frame);
        a.open[size_t(Win::Memory)] = true;
      }
      ImGui::EndPopup();
    }
    return open;
  }

  // kind 2: a PAE PDPT (its entries name page directories); 1: a page directory (its entries
  // name page tables, or map large pages with PS); 0: a page table.
  void table(const char* level, uint64_t phys, unsigned n, unsigned esize, uint64_t lin0, uint64_t span,
             int kind) {
    const PtNode& t = a.pt_page(phys, n, esize);
    if (!t.ok) {
      ImGui::TextColored(kColorError, "table at %#llx is not readable", (unsigned long long)phys);
      return;
    }
    unsigned absent = 0;
    for (unsigned k = 0; k < n; ++k) {
      const uint64_t e = t.entries[k];
      const uint64_t lin = lin0 + uint64_t(k) * span;
      if (!(e & 1)) {
        ++absent;
        continue;
      }
      const bool leaf = kind == 0 || (kind == 1 && (e & 0x80) && (pae || pse));
      if (leaf) {
        entry(level, k, lin, span, e, false);
        continue;
      }
      if (entry(level, k, lin, span, e, true)) {
        const uint64_t next = pae ? (e & kPaeFrame) : (e & 0xfffff000u);
        if (kind == 2) table("PDE", next, 512, 8, lin, 1u << 21, 1);
        else table("PTE", next, pae ? 512 : 1024, pae ? 8 : 4, lin, 4096, 0);
        ImGui::TreePop();
      }
    }
    if (absent) ImGui::TextColored(kColorDim, "%u entries not present", absent);
  }
};

void draw_walk(App& a) {
  ImGui::SetNextItemWidth(170);
  const bool go = ImGui::InputTextWithHint("##tr", "linear address or symbol", &a.pt.translate_text,
                                           ImGuiInputTextFlags_EnterReturnsTrue);
  ImGui::SameLine();
  if ((ImGui::Button("Translate") || go) && !a.pt.translate_text.empty())
    if (auto v = a.eval(a.pt.translate_text)) a.translate(*v);
  if (!a.pt.walk) return;
  const PageWalkView& w = *a.pt.walk;
  if (!w.paging) {
    ImGui::Text("%08x: paging is off, physical %#llx", w.lin, (unsigned long long)w.phys);
    return;
  }
  if (ImGui::BeginTable("walk", 4, ImGuiTableFlags_SizingFixedFit | ImGuiTableFlags_RowBg | ImGuiTableFlags_Borders)) {
    ImGui::TableSetupColumn("step");
    ImGui::TableSetupColumn("entry at");
    ImGui::TableSetupColumn("entry");
    ImGui::TableSetupColumn("bits");
    ImGui::TableHeadersRow();
    for (const WalkStepView& s : w.steps) {
      ImGui::TableNextRow();
      ImGui::TableNextColumn();
      ImGui::TextUnformatted(s.level.c_str());
      ImGui::TableNextColumn();
      ImGui::Text("%#llx", (unsigned long long)s.entry_addr);
      ImGui::TableNextColumn();
      ImGui::Text("%0*llx", w.pae ? 16 : 8, (unsigned long long)s.entry);
      ImGui::TableNextColumn();
      ImGui::TextUnformatted(s.bits.c_str());
    }
    ImGui::EndTable();
  }
  if (w.ok) {
    ImGui::TextColored(kColorStatus, "%08x -> physical %#llx (%u KiB page)", w.lin, (unsigned long long)w.phys,
                       w.page_size >> 10);
  } else {
    ImGui::TextColored(kColorError, "%08x is not mapped: a supervisor read faults with #PF error %#x", w.lin, w.error);
  }
  if (!w.note.empty()) ImGui::TextColored(kColorHypervisor, "%s", w.note.c_str());
}

}  // namespace

void draw_page_tables(App& a) {
  if (!begin_window(a, Win::PageTables)) {
    ImGui::End();
    return;
  }
  if (views_dimmed(a)) {
    ImGui::TextDisabled("running...");
    ImGui::End();
    return;
  }
  const uint32_t cr0 = uint32_t(a.regs[size_t(Reg::CR0)]);
  const uint32_t cr3 = uint32_t(a.regs[size_t(Reg::CR3)]);
  const uint32_t cr4 = uint32_t(a.regs[size_t(Reg::CR4)]);
  const bool paging = cr0 & 0x80000000u;
  Explorer x{a, bool(cr4 & 0x20), bool(cr4 & 0x10), hypervisor_area_start()};
  ImGui::Text("CR3 %08x, %s%s", cr3, !paging ? "paging off" : x.pae ? "PAE paging" : "2-level paging",
              paging && !x.pae && x.pse ? " with 4 MiB pages" : "");
  if (a.pv) {
    ImGui::SameLine();
    ImGui::TextColored(kColorHypervisor, "  hypervisor area from %08x, its frames marked", x.hv_start);
  }
  if (ImGui::CollapsingHeader("Translate an address", ImGuiTreeNodeFlags_DefaultOpen)) draw_walk(a);
  if (paging && ImGui::CollapsingHeader("Tables from CR3", ImGuiTreeNodeFlags_DefaultOpen)) {
    ImGui::BeginChild("tree", ImVec2(0, 0), false, ImGuiWindowFlags_HorizontalScrollbar);
    if (x.pae) x.table("PDPTE", cr3 & ~0x1fu, 4, 8, 0, 1u << 30, 2);
    else x.table("PDE", cr3 & ~0xfffu, 1024, 4, 0, 1u << 22, 1);
    a.pt.reveal.reset();
    ImGui::EndChild();
  }
  ImGui::End();
}

void draw_tlb(App& a) {
  if (!begin_window(a, Win::Tlb)) {
    ImGui::End();
    return;
  }
  if (!views_dimmed(a)) a.refresh_tlb();
  ImGui::Checkbox("global entries only", &a.tlb.global_only);
  for (const TlbRecord& t : a.tlb.tlbs) {
    const uint64_t looks = t.hits + t.misses;
    ImGui::PushID(t.name.c_str());
    if (ImGui::CollapsingHeader(fmt("%s: %u sets x %u ways, %zu valid", t.name.c_str(), t.sets, t.ways,
                                    t.entries.size()).c_str(), ImGuiTreeNodeFlags_DefaultOpen)) {
      ImGui::Text("hits %llu  misses %llu (%.2f%% hit)  walks %llu  fills %llu  flushes %llu  invlpg %llu",
                  (unsigned long long)t.hits, (unsigned long long)t.misses,
                  looks ? 100.0 * double(t.hits) / double(looks) : 0.0, (unsigned long long)t.walks,
                  (unsigned long long)t.fills, (unsigned long long)t.flushes, (unsigned long long)t.invlpgs);
      if (ImGui::BeginTable("entries", 5, ImGuiTableFlags_SizingFixedFit | ImGuiTableFlags_RowBg |
                                              ImGuiTableFlags_ScrollY, ImVec2(0, 200))) {
        ImGui::TableSetupScrollFreeze(0, 1);
        ImGui::TableSetupColumn("set/way");
        ImGui::TableSetupColumn("linear");
        ImGui::TableSetupColumn("frame");
        ImGui::TableSetupColumn("bits");
        ImGui::TableSetupColumn("symbol");
        ImGui::TableHeadersRow();
        for (const TlbEntryRecord& e : t.entries) {
          if (a.tlb.global_only && !e.global) continue;
          ImGui::TableNextRow();
          ImGui::TableNextColumn();
          ImGui::Text("%2u/%u", e.set, e.way);
          ImGui::TableNextColumn();
          ImGui::Text("%08x", e.lin);
          ImGui::TableNextColumn();
          ImGui::Text("%#llx", (unsigned long long)e.frame);
          ImGui::TableNextColumn();
          std::string bits = e.write ? "W" : "-";
          bits += e.user ? " U" : " -";
          bits += e.nx ? " NX" : "   ";
          bits += e.dirty ? " D" : " -";
          if (e.large) bits += " large";
          if (e.global) bits += " G";
          if (!e.host) bits += " (no host mapping)";
          if (e.global) ImGui::TextColored(kColorLabel, "%s", bits.c_str());
          else ImGui::TextUnformatted(bits.c_str());
          ImGui::TableNextColumn();
          ImGui::TextDisabled("%s", a.sym(e.lin).c_str());
        }
        ImGui::EndTable();
      }
    }
    ImGui::PopID();
  }
  ImGui::End();
}

}  // namespace pvlab::ui
