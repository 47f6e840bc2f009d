// The debugger's actions and the views' cached readings of the machine (ui/app.h).
#include "ui/app.h"

#include <imgui.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include "frontend/state_dump.h"

namespace pvlab::ui {

namespace {

// The default layout: the run controls on top; registers, code, stack and breakpoints in the
// middle; memory, paging and the system views along the bottom (the views that share the
// bottom-right corner are cascaded so that most titles stay visible; Timing comes last).
constexpr float kTop = 0.12f, kMid = 0.615f;
constexpr WinDef kWins[kWinCount] = {
    {"Controls", "controls", false, true, true, 0.00f, 0.00f, 1.00f, kTop},
    {"Registers", "registers", false, true, true, 0.00f, kTop, 0.21f, kMid - kTop},
    {"Disassembly", "disassembly", false, true, true, 0.21f, kTop, 0.37f, kMid - kTop},
    {"Stack", "stack", false, true, true, 0.58f, kTop, 0.15f, kMid - kTop},
    {"Breakpoints", "breakpoints", false, true, true, 0.73f, kTop, 0.27f, 0.23f},
    {"Console", "console", false, true, true, 0.73f, kTop + 0.23f, 0.27f, kMid - kTop - 0.23f},
    {"Memory", "memory", false, true, true, 0.00f, kMid, 0.40f, 1.0f - kMid},
    {"Page tables", "pagetables", false, true, true, 0.40f, kMid, 0.30f, 1.0f - kMid},
    // Descriptor tables open by default on a PC, the hypercall log on a PV domain: both first.
    {"TLB", "tlb", false, false, false, 0.70f, kMid + 0.03f, 0.30f, 1.0f - kMid - 0.03f},
    {"Descriptor tables", "descriptors", false, true, false, 0.70f, kMid, 0.30f, 1.0f - kMid},
    {"Hypercalls", "hypercalls", true, false, true, 0.70f, kMid, 0.30f, 1.0f - kMid},
    {"Event channels", "evtchn", true, false, false, 0.70f, kMid + 0.06f, 0.30f, 1.0f - kMid - 0.06f},
    {"Frame table", "frames", true, false, false, 0.70f, kMid + 0.09f, 0.30f, 1.0f - kMid - 0.09f},
    {"Timing", "timing", false, false, false, 0.70f, kMid + 0.12f, 0.30f, 1.0f - kMid - 0.12f},
};

std::string fmt(const char* f, auto... a) {
  char buf[256];
  std::snprintf(buf, sizeof buf, f, a...);
  return buf;
}

}  // namespace

const WinDef& win_def(Win w) { return kWins[size_t(w)]; }

std::optional<Win> win_by_key(const std::string& key) {
  for (size_t k = 0; k < kWinCount; ++k)
    if (key == kWins[k].key) return Win(k);
  return std::nullopt;
}

bool begin_window(App& a, Win w) {
  const WinDef& d = win_def(w);
  const ImVec2 disp = ImGui::GetIO().DisplaySize;
  const float h = disp.y - a.menu_height;
  const ImGuiCond cond = a.reset_layout ? ImGuiCond_Always : ImGuiCond_FirstUseEver;
  if (a.place && a.place->win == w) {
    ImGui::SetNextWindowPos(ImVec2(a.place->x, a.place->y), ImGuiCond_Always);
    ImGui::SetNextWindowSize(ImVec2(a.place->w, a.place->h), ImGuiCond_Always);
    a.place.reset();
  } else {
    ImGui::SetNextWindowPos(ImVec2(d.x * disp.x, a.menu_height + d.y * h), cond);
    ImGui::SetNextWindowSize(ImVec2(d.w * disp.x, d.h * h), cond);
  }
  if (!a.shown[size_t(w)] || a.raise == w) ImGui::SetNextWindowFocus();
  if (a.raise == w) a.raise.reset();
  a.shown[size_t(w)] = true;
  bool& open = a.open[size_t(w)];
  return ImGui::Begin(d.title, &open, w == Win::Controls ? ImGuiWindowFlags_NoCollapse : 0);
}

bool views_dimmed(App& a) { return a.busy(); }

App::App(Session& session, Symbols symbols, std::string name)
    : s(session), syms(std::move(symbols)), image_name(std::move(name)),
      pv(std::string(session.kind()) == "pv") {
  for (size_t k = 0; k < kWinCount; ++k) open[k] = pv ? kWins[k].open_pv : kWins[k].open_pc;
  refresh();
  before = regs;
  mem.addr = pc();
  mem.expr = fmt("%08x", mem.addr);
}

void App::say(std::string text, bool error) {
  status = std::move(text);
  status_error = error;
}

void App::refresh() {
  ++gen;
  for (size_t k = 0; k < size_t(Reg::kCount); ++k) regs[k] = s.reg(Reg(k));
  const unsigned v = s.vcpu();
  counters = s.with_target([v](Target& t) { return counters_record(t.cpu(v)); });
  bps = s.breakpoints();
  wps = s.watchpoints();
  ended = s.ended();
  timeline = s.timeline();
  if (replay) rp = s.with_target([this](Target&) { return replay->summary(); });
}

uint64_t App::timeline_end() const {
  return replay ? std::max(timeline.end, rp.total_insns) : timeline.end;
}

void App::stopped(const StopInfo& st) {
  waiting_ = false;
  if (replay) s.with_target([this](Target&) { replay->pause_at(0); });
  refresh();
  std::string where = sym(st.pc);
  say(st.text + (where.empty() || st.why == StopInfo::Why::Ended ? "" : " <" + where + ">"),
      st.why == StopInfo::Why::Ended && st.exit_status != 0);
  dis.follow = true;
  dis.scroll = true;
}

void App::start(RunMode mode, uint32_t addr) {
  if (busy() || waiting_) return;
  if (ended) {
    say("the machine has ended: " + s.last_stop().text, true);
    return;
  }
  before = regs;
  waiting_ = true;
  s.start(mode, addr);
  say(mode == RunMode::Continue ? "running" : mode == RunMode::StepOver ? "stepping over" : fmt("running to %08x", addr));
}

void App::pause() { s.pause(); }

void App::poll() {
  if (!waiting_) return;
  if (std::optional<StopInfo> st = s.wait(std::chrono::milliseconds(0))) stopped(*st);
}

void App::step(unsigned n) {
  if (busy() || waiting_) return;
  if (ended) {
    say("the machine has ended: " + s.last_stop().text, true);
    return;
  }
  before = regs;
  StopInfo st;
  for (unsigned k = 0; k < n; ++k) {
    st = s.run(RunMode::Step);
    if (st.why != StopInfo::Why::Step) break;
  }
  stopped(st);
}

bool App::can_reverse() {
  if (busy() || waiting_) return false;
  if (!s.reverse_enabled()) {
    say(s.reverse_refusal().empty() ? "no reverse history (--reverse-interval above 0 is needed)"
                                    : s.reverse_refusal().c_str(), true);
    return false;
  }
  return true;
}

void App::step_back(unsigned n) {
  if (!can_reverse()) return;
  before = regs;
  StopInfo st;
  for (unsigned k = 0; k < n; ++k) {
    st = s.reverse_step();
    if (st.why != StopInfo::Why::Step) break;
  }
  stopped(st);
}

void App::reverse_continue() {
  if (!can_reverse()) return;
  before = regs;
  stopped(s.reverse_continue());
}

void App::go_to(uint64_t k) {
  if (busy() || waiting_) return;
  if (replay && k > timeline.end && !ended) {
    // Not run yet: run forward to it, as the recorded run went.
    k = std::min(k, rp.total_insns);
    s.with_target([this, k](Target&) { replay->pause_at(k); });
    start(RunMode::Continue);
    say(fmt("running forward to instruction %llu", (unsigned long long)k));
    return;
  }
  if (!s.reverse_enabled()) return;
  before = regs;
  stopped(s.goto_insn(k));
}

bool App::has_breakpoint(uint32_t lin) const {
  return std::any_of(bps.begin(), bps.end(), [lin](const BreakpointInfo& b) { return !b.phys && b.addr == lin; });
}

void App::toggle_breakpoint(uint32_t lin) {
  if (has_breakpoint(lin)) {
    s.remove_breakpoint_at(lin);
    say(fmt("breakpoint at %08x removed", lin));
  } else {
    s.add_breakpoint(lin);
    say(fmt("breakpoint at %08x", lin) + (sym(lin).empty() ? "" : " <" + sym(lin) + ">"));
  }
  bps = s.breakpoints();
}

bool App::catch_upcall(bool on) {
  std::optional<uint32_t> port;
  if (!hc.upcall_port.empty()) {
    char* end = nullptr;
    const unsigned long p = std::strtoul(hc.upcall_port.c_str(), &end, 10);
    if (!end || *end || p > 0xffffffffu) {
      say("a port is a decimal number (or leave the field empty for any port)", true);
      hc.catch_upcall = false;
      return false;
    }
    port = uint32_t(p);
  }
  // One upcall catch at a time: drop what the last one asked for.
  s.catch_upcall(std::nullopt, false);
  hc.catch_upcall = on && s.catch_upcall(port, true);
  if (hc.catch_upcall) say(port ? fmt("stopping at the event callback for port %u", *port) : "stopping at every event upcall");
  return hc.catch_upcall || !on;
}

bool App::set_reg(Reg r, uint64_t value) {
  std::string err;
  const bool ok = s.set_reg(r, value, err);
  if (ok) say(fmt("%s = %#llx", reg_info(r).name, (unsigned long long)value));
  else say(std::string(reg_info(r).name) + ": " + err, true);
  refresh();
  return ok;
}

bool App::write_byte(uint64_t addr, uint8_t v, bool phys) {
  const bool ok = s.write_memory(addr, &v, 1, phys) == 1;
  if (!ok) say(fmt("%s %#llx is not writable", phys ? "physical" : "linear", (unsigned long long)addr), true);
  refresh();
  return ok;
}

std::optional<uint32_t> App::eval(const std::string& text) {
  std::string err;
  std::optional<uint32_t> v = eval_address(text, syms, s, err);
  if (!v) say(err, true);
  return v;
}

// ---- the views' readings -------------------------------------------------------------------

void App::refresh_disasm() {
  const uint32_t anchor = dis.follow ? pc() : dis.view_addr;
  if (dis.gen == gen && dis.anchor == anchor && !dis.lines.empty()) return;
  dis.gen = gen;
  dis.anchor = anchor;
  dis.lines.clear();
  const unsigned v = s.vcpu();
  // x86 code cannot be decoded backwards: start at the enclosing symbol when it is close,
  // else at the farthest point before the anchor from which decoding lands on it.
  struct Raw { uint32_t addr; unsigned len; std::string text; };
  std::vector<Raw> raw = s.with_target([&](Target& t) {
    Cpu& c = t.cpu(v);
    auto decode_from = [&](uint32_t start, uint32_t stop_after, unsigned max_after) {
      std::vector<Raw> out;
      uint32_t at = start;
      unsigned after = 0;
      while (out.size() < 200 && after < max_after) {
        unsigned size = 0;
        std::string text = disassemble_one(c, at, size);
        if (!size) {
          out.push_back({at, 0, "(not readable or not an instruction)"});
          break;
        }
        out.push_back({at, size, text});
        if (at >= stop_after) ++after;
        at += size;
      }
      return out;
    };
    auto lands = [&](uint32_t start) {
      uint32_t at = start;
      while (at < anchor) {
        unsigned size = 0;
        disassemble_one(c, at, size);
        if (!size) return false;
        at += size;
      }
      return at == anchor;
    };
    uint32_t start = anchor;
    std::optional<uint32_t> sym_start = syms.start_of(anchor);
    if (sym_start && anchor - *sym_start <= 0x80) {
      start = *sym_start;
    } else {
      for (uint32_t back = 0x40; back > 0; --back)
        if (lands(anchor - back)) {
          start = anchor - back;
          break;
        }
    }
    return decode_from(start, anchor, 40);
  });
  for (const Raw& r : raw) {
    DisasmLine l;
    l.addr = r.addr;
    l.len = r.len;
    l.text = r.text;
    l.label = syms.at(r.addr);
    uint8_t b[16];
    const size_t n = s.read_memory(r.addr, b, std::min<size_t>(r.len, sizeof b));
    for (size_t k = 0; k < n; ++k) l.bytes += fmt("%02x", b[k]);
    dis.lines.push_back(std::move(l));
  }
  dis.scroll = true;
}

void App::refresh_memory() {
  if (mem.gen == gen && mem.read_addr == (mem.addr & ~15u) && mem.read_phys == mem.phys) return;
  mem.gen = gen;
  mem.read_addr = mem.addr & ~15u;
  mem.read_phys = mem.phys;
  constexpr uint32_t kSpan = 0x1000;
  mem.cells.assign(kSpan, -1);
  // Page by page: a page that is not mapped ends only its own part.
  for (uint32_t off = 0; off < kSpan;) {
    const uint64_t a = uint64_t(mem.read_addr) + off;
    const uint32_t chunk = std::min<uint32_t>(kSpan - off, uint32_t(0x1000 - (a & 0xfff)));
    uint8_t buf[0x1000];
    const size_t n = s.read_memory(a, buf, chunk, mem.phys);
    for (size_t k = 0; k < n; ++k) mem.cells[off + k] = buf[k];
    off += chunk;
  }
}

void App::refresh_stack() {
  if (stack.gen == gen) return;
  stack.gen = gen;
  stack.esp = uint32_t(regs[size_t(Reg::SS_BASE)] + regs[size_t(Reg::ESP)]);
  stack.words.clear();
  uint32_t w[64];
  const size_t n = s.read_memory(stack.esp, w, sizeof w) / 4;
  stack.words.assign(w, w + n);
}

void App::refresh_timing() {
  if (tm.gen == gen) return;
  tm.gen = gen;
  tm.stats.clear();
  tm.functions.clear();
  tm.start.clear();
  if (!timing) return;
  s.with_target([this](Target&) {
    tm.config = timing->model(0).config().name;
    for (size_t i = 0; i < timing->size(); ++i) {
      tm.stats.push_back(timing->model(i).stats());
      tm.start.push_back(timing->start_cycles(i));
      const TimingEngine& m = timing->model(i);
      std::vector<Timing::Fn> rows;
      for (size_t f = 0; f < m.function_stats().size(); ++f) {
        const TimingEngine::FunctionStats& fs = m.function_stats()[f];
        if (!fs.insns && !fs.cycles()) continue;
        Timing::Fn r{f ? m.functions()->at(f - 1).name : std::string("(no symbol)"), fs.insns, fs.cycles()};
        for (size_t k = 0; k < size_t(CpiCause::kCount); ++k)
          if (fs.cpi[k] > fs.cpi[size_t(r.top)]) r.top = CpiCause(k);
        rows.push_back(std::move(r));
      }
      std::stable_sort(rows.begin(), rows.end(), [](const Timing::Fn& x, const Timing::Fn& y) { return x.cycles > y.cycles; });
      if (rows.size() > kTimingFunctions) rows.resize(kTimingFunctions);
      tm.functions.push_back(std::move(rows));
    }
    return 0;
  });
}

void App::refresh_tlb() {
  if (tlb.gen == gen) return;
  tlb.gen = gen;
  const unsigned v = s.vcpu();
  tlb.tlbs = s.with_target([v](Target& t) { return tlb_records(t.cpu(v)); });
}

void App::refresh_descriptors() {
  if (desc.gen == gen) return;
  desc.gen = gen;
  const unsigned v = s.vcpu();
  s.with_target([&](Target& t) {
    desc.gdt = descriptor_table(t.cpu(v), DescTableKind::Gdt, 8192);
    desc.ldt = descriptor_table(t.cpu(v), DescTableKind::Ldt, 8192);
    desc.idt = descriptor_table(t.cpu(v), DescTableKind::Idt, 256);
    desc.traps = t.hypervisor() ? pv_traps_record(*t.hypervisor(), v) : PvTrapsRecord{};
    return 0;
  });
  desc.tss = s.tss_text();
}

void App::refresh_hypercalls() {
  if (hc.gen == gen) return;
  hc.gen = gen;
  hc.log = s.with_target([](Target& t) {
    return t.hypervisor() ? hypercall_log_record(*t.hypervisor()) : HypercallLogRecord{};
  });
}

void App::refresh_evtchn() {
  if (ev.gen == gen) return;
  ev.gen = gen;
  ev.rec = s.with_target([](Target& t) { return t.hypervisor() ? evtchn_record(*t.hypervisor()) : EvtchnRecord{}; });
}

void App::refresh_frames() {
  if (fr.gen == gen) return;
  fr.gen = gen;
  fr.frames = s.with_target([](Target& t) {
    return t.hypervisor() ? frame_records(*t.hypervisor()) : std::vector<FrameRecord>{};
  });
  std::map<std::string, unsigned> by;
  for (const FrameRecord& f : fr.frames) ++by[f.owner_name + " " + f.type];
  fr.summary.assign(by.begin(), by.end());
}

void App::refresh_console() {
  if (con.gen == gen) return;
  con.gen = gen;
  con.text = s.console();
}

const PtNode& App::pt_page(uint64_t phys, unsigned entries, unsigned entry_size) {
  if (pt.gen != gen) {
    pt.gen = gen;
    pt.pages.clear();
    pt.frames = pv ? s.with_target([](Target& t) { return frame_records(*t.hypervisor()); })
                   : std::vector<FrameRecord>{};
  }
  auto it = pt.pages.find(phys);
  if (it != pt.pages.end()) return it->second;
  PtNode n;
  std::vector<uint8_t> buf(size_t(entries) * entry_size);
  n.ok = s.read_memory(phys, buf.data(), buf.size(), true) == buf.size();
  n.entries.resize(entries);
  for (unsigned k = 0; k < entries; ++k) {
    uint64_t e = 0;
    for (unsigned b = 0; b < entry_size; ++b) e |= uint64_t(buf[size_t(k) * entry_size + b]) << (8 * b);
    n.entries[k] = e;
  }
  return pt.pages.emplace(phys, std::move(n)).first->second;
}

void App::translate(uint32_t lin) {
  pt.walk = s.page_walk(lin);
  pt.translate_text = fmt("%08x", lin);
  pt.reveal = lin;
}

}  // namespace pvlab::ui
