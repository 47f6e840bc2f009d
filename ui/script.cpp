// Scripted debugging sessions (ui/script.h).
#include "ui/script.h"

#include <imgui.h>
#include <imgui_internal.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "ui/app.h"

namespace pvlab::ui {

namespace {

constexpr int kFramesPerCommand = 2;        // let the windows catch up with each command
constexpr int kFramesBeforeShot = 4;        // new windows size themselves over a few frames
constexpr auto kRunLimit = std::chrono::seconds(120);

std::vector<std::string> words(const std::string& line) {
  std::istringstream in(line);
  std::vector<std::string> w;
  for (std::string x; in >> x;) w.push_back(x);
  return w;
}

void out(const std::string& s) {
  std::printf("script: %s\n", s.c_str());
  std::fflush(stdout);
}

}  // namespace

std::optional<Script> Script::load(const std::string& path, std::string& error) {
  std::ifstream f(path);
  if (!f) {
    error = path + ": cannot open the script";
    return std::nullopt;
  }
  Script s;
  s.path_ = path;
  for (std::string line; std::getline(f, line);) {
    const size_t hash = line.find('#');
    if (hash != std::string::npos) line.resize(hash);
    s.lines_.push_back(line);
  }
  return s;
}

void Script::fail(const std::string& why) {
  std::fprintf(stderr, "pvlab: %s:%zu: %s\n", path_.c_str(), next_, why.c_str());
  failed_ = true;
  done_ = true;
}

std::optional<Script::Shot> Script::take_screenshot_request() {
  if (!shot_pending_ || wait_frames_ > 0) return std::nullopt;
  shot_pending_ = false;
  Shot s{*shot_};
  if (!shot_window_.empty())
    if (const ImGuiWindow* win = ImGui::FindWindowByName(shot_window_.c_str())) {
      s.x = int(win->Pos.x);
      s.y = int(win->Pos.y);
      s.w = int(win->Size.x);
      s.h = int(win->Size.y);
    }
  return s;
}

void Script::screenshot_done(bool ok, const std::string& error) {
  if (ok) out("screenshot " + *shot_);
  else fail("screenshot " + *shot_ + ": " + error);
  wait_frames_ = 1;
}

void Script::tick(App& a) {
  if (done_) {
    a.quit = true;
    return;
  }
  if (wait_frames_ > 0) {
    --wait_frames_;
    return;
  }
  if (shot_pending_) return;
  if (waiting_run_) {
    if (a.busy() || a.waiting()) {
      if (std::chrono::steady_clock::now() - run_started_ > kRunLimit) {
        a.pause();
        fail("the run did not stop within " + std::to_string(kRunLimit.count()) + " s");
      }
      return;
    }
    waiting_run_ = false;
    out("stopped: " + a.status);
  }
  while (next_ < lines_.size()) {
    const std::string line = lines_[next_++];
    if (words(line).empty()) continue;
    if (!run_line(a, line)) {
      if (!failed_) fail("cannot do '" + line + "': " + a.status);
      a.quit = true;
      return;
    }
    if (done_) {
      a.quit = true;
      return;
    }
    if (wait_frames_ == 0) wait_frames_ = kFramesPerCommand;
    return;
  }
  done_ = true;
  a.quit = true;
}

bool Script::run_line(App& a, const std::string& line) {
  const std::vector<std::string> w = words(line);
  const std::string& cmd = w[0];
  auto arg = [&](size_t k) { return k < w.size() ? w[k] : std::string(); };
  auto addr = [&](size_t k) -> std::optional<uint32_t> {
    if (k >= w.size()) {
      fail("'" + cmd + "' needs an address");
      return std::nullopt;
    }
    return a.eval(w[k]);
  };
  auto need_stopped = [&]() {
    if (a.busy()) fail("'" + cmd + "' while the machine runs");
    return !a.busy();
  };
  auto start_run = [&](RunMode m, uint32_t at) {
    a.status_error = false;
    a.start(m, at);
    if (a.status_error) return false;
    waiting_run_ = true;
    run_started_ = std::chrono::steady_clock::now();
    return true;
  };

  if (cmd == "step") {
    unsigned long n = 1;
    if (w.size() > 1) n = std::strtoul(w[1].c_str(), nullptr, 0);
    if (!need_stopped() || n == 0) return false;
    a.status_error = false;
    a.step(unsigned(n));
    out("stepped: " + a.status);
    return !a.status_error;
  }
  if (cmd == "back") {   // step back N instructions (the reverse history)
    unsigned long n = 1;
    if (w.size() > 1) n = std::strtoul(w[1].c_str(), nullptr, 0);
    if (!need_stopped() || n == 0) return false;
    a.status_error = false;
    a.step_back(unsigned(n));
    out("stepped back: " + a.status);
    return !a.status_error;
  }
  if (cmd == "rcontinue") {
    if (!need_stopped()) return false;
    a.status_error = false;
    a.reverse_continue();
    out("reverse continue: " + a.status);
    return !a.status_error;
  }
  if (cmd == "goto") {   // the timeline: go to instruction count N
    if (w.size() < 2 || !need_stopped()) return false;
    a.status_error = false;
    a.go_to(std::strtoull(w[1].c_str(), nullptr, 0));
    if (a.waiting()) {   // a replay runs forward to a point not reached yet: wait for the stop
      waiting_run_ = true;
      run_started_ = std::chrono::steady_clock::now();
      return true;
    }
    out("timeline: " + a.status);
    return !a.status_error;
  }
  if (cmd == "over") return need_stopped() && start_run(RunMode::StepOver, 0);
  if (cmd == "run") return need_stopped() && start_run(RunMode::Continue, 0);
  if (cmd == "start") {   // run without waiting for the stop (`pause` then waits for it)
    if (!need_stopped() || !start_run(RunMode::Continue, 0)) return false;
    waiting_run_ = false;
    return true;
  }
  if (cmd == "pause") {
    if (!a.busy() && !a.waiting()) {
      fail("pause: nothing runs");
      return false;
    }
    a.pause();
    waiting_run_ = true;
    run_started_ = std::chrono::steady_clock::now();
    return true;
  }
  if (cmd == "runto") {
    auto v = addr(1);
    return v && need_stopped() && start_run(RunMode::RunTo, *v);
  }
  if (cmd == "cursor") {
    auto v = addr(1);
    if (!v) return false;
    a.dis.cursor = *v;
    return true;
  }
  if (cmd == "runcursor") {
    if (!a.dis.cursor) {
      fail("no disassembly line is selected");
      return false;
    }
    return need_stopped() && start_run(RunMode::RunTo, *a.dis.cursor);
  }
  if (cmd == "break" || cmd == "delete") {
    auto v = addr(1);
    if (!v) return false;
    if (a.has_breakpoint(*v) != (cmd == "delete")) return true;   // already so
    a.toggle_breakpoint(*v);
    return true;
  }
  if (cmd == "watch") {
    auto v = addr(1);
    if (!v) return false;
    Watchpoint wp;
    wp.addr = *v;
    wp.len = uint32_t(std::strtoul(arg(2).c_str(), nullptr, 0));
    const std::string kind = arg(3);
    wp.kind = kind == "read" ? watch::kRead : kind == "access" ? watch::kAccess : watch::kWrite;
    if (!wp.len) {
      fail("watch ADDR LEN read|write|access");
      return false;
    }
    a.s.add_watchpoint(wp);
    a.wps = a.s.watchpoints();
    return true;
  }
  if (cmd == "catch") {
    // The Breakpoints window's catches: refused hypercalls (PV) or an event vector.
    if (arg(1) == "refused") {
      a.hc.catch_refused = true;
      if (a.s.catch_hypercall(std::nullopt, true, true)) return true;
      fail("catch refused: not a PV domain");
      return false;
    }
    if (arg(1) == "clear") {   // the "Clear catches" button
      a.s.clear_catches();
      a.hc.catch_refused = a.hc.catch_rejected = a.hc.catch_upcall = false;
      return true;
    }
    if (arg(1) == "rejected") {
      a.hc.catch_rejected = true;
      if (a.s.catch_rejected_updates(true)) return true;
      fail("catch rejected: not a PV domain");
      return false;
    }
    if (arg(1) == "upcall") {
      a.hc.upcall_port = arg(2) == "any" ? std::string() : arg(2);
      if (a.pv && a.catch_upcall(true)) return true;
      fail("catch upcall [PORT]: not a PV domain, or not a port number");
      return false;
    }
    auto v = parse_hex(arg(1));
    if (!v || *v > 255) {
      fail("catch refused|rejected|upcall [PORT]|VECTOR");
      return false;
    }
    a.s.catch_vector(uint8_t(*v), true);
    return true;
  }
  if (cmd == "setreg") {
    auto r = reg_by_name(arg(1));
    auto v = parse_hex(arg(2));
    if (!r || !v) {
      fail("setreg NAME HEXVALUE");
      return false;
    }
    return need_stopped() && a.set_reg(*r, *v);
  }
  if (cmd == "memory" || cmd == "poke") {
    const bool phys = w.back() == "phys";
    std::optional<uint32_t> v;
    if (phys) {
      if (auto h = parse_hex(arg(1))) v = uint32_t(*h);
    } else {
      v = addr(1);
    }
    if (!v) return false;
    a.mem.addr = *v;
    a.mem.phys = phys;
    a.mem.expr = arg(1);
    a.open[size_t(Win::Memory)] = true;
    if (cmd == "memory") return true;
    auto b = parse_hex(arg(2));
    if (!b || *b > 255) {
      fail("poke ADDR BYTE [phys]");
      return false;
    }
    return need_stopped() && a.write_byte(*v, uint8_t(*b), phys);
  }
  if (cmd == "translate") {
    auto v = addr(1);
    if (!v) return false;
    a.translate(*v);
    a.open[size_t(Win::PageTables)] = true;
    return true;
  }
  if (cmd == "open" || cmd == "close") {
    const bool on = cmd == "open";
    if (arg(1) == "all") {
      for (size_t k = 0; k < kWinCount; ++k)
        if (!win_def(Win(k)).pv_only || a.pv) a.open[k] = on;
      return true;
    }
    auto win = win_by_key(arg(1));
    if (!win) {
      fail("no window named '" + arg(1) + "'");
      return false;
    }
    a.open[size_t(*win)] = on;
    if (on) a.raise = *win;
    return true;
  }
  if (cmd == "tab") {
    a.desc.select_tab = line.substr(line.find("tab") + 4);
    a.open[size_t(Win::Descriptors)] = true;
    a.raise = Win::Descriptors;
    return true;
  }
  if (cmd == "hcexpand") {
    a.hc.expand_last = true;
    a.open[size_t(Win::Hypercalls)] = true;
    a.raise = Win::Hypercalls;
    return true;
  }
  if (cmd == "frames") {
    wait_frames_ = int(std::strtol(arg(1).c_str(), nullptr, 0));
    return wait_frames_ > 0;
  }
  if (cmd == "place") {
    // place NAME X Y W H: move and size a window (pixels), and bring it to the front.
    const std::optional<Win> win = win_by_key(arg(1));
    float v[4];
    bool ok = win.has_value() && w.size() == 6;
    for (int k = 0; ok && k < 4; ++k) {
      char* end = nullptr;
      v[k] = std::strtof(w[size_t(k) + 2].c_str(), &end);
      ok = end && *end == '\0' && v[k] >= 0 && v[k] < 100000;
    }
    if (!ok) {
      fail("place NAME X Y W H");
      return false;
    }
    a.open[size_t(*win)] = true;
    a.raise = *win;
    a.place = App::Place{*win, v[0], v[1], v[2], v[3]};
    wait_frames_ = 2;
    return true;
  }
  if (cmd == "screenshot") {
    if (w.size() < 2) {
      fail("screenshot PATH");
      return false;
    }
    shot_ = arg(1);
    shot_window_.clear();
    if (w.size() > 2) {
      const std::optional<Win> win = win_by_key(arg(2));
      if (!win) {
        fail("screenshot PATH [WINDOW]: no window named " + arg(2));
        return false;
      }
      shot_window_ = win_def(*win).title;
    }
    shot_pending_ = true;
    wait_frames_ = kFramesBeforeShot;
    return true;
  }
  if (cmd == "print") {
    const std::string what = arg(1);
    char buf[320];
    if (what == "reg") {
      auto r = reg_by_name(arg(2));
      if (!r) {
        fail("print reg NAME");
        return false;
      }
      // What the Registers window shows.
      std::snprintf(buf, sizeof buf, "reg %s=%#llx", reg_info(*r).name, (unsigned long long)a.regs[size_t(*r)]);
      out(buf);
    } else if (what == "timeline") {
      std::snprintf(buf, sizeof buf, "timeline begin=%llu end=%llu now=%llu", (unsigned long long)a.timeline.begin,
                    (unsigned long long)a.timeline.end, (unsigned long long)a.timeline.now);
      out(buf);
    } else if (what == "replay") {
      if (!a.replay) {
        fail("print replay: the debugger did not open a recording");
        return false;
      }
      const ReplaySummary& r = a.rp;
      const char* end = r.end == ReplaySummary::End::Same      ? "same"
                        : r.end == ReplaySummary::End::Differs ? "differs"
                                                               : "pending";
      std::snprintf(buf, sizeof buf,
                    "replay insns=%llu total=%llu cycles=%llu total_cycles=%llu checkpoints=%zu compared=%zu "
                    "differ=%zu end=%s output=%s",
                    (unsigned long long)r.insns, (unsigned long long)r.total_insns, (unsigned long long)r.cycles,
                    (unsigned long long)r.total_cycles, r.checkpoints, r.compared, r.differ, end,
                    r.end == ReplaySummary::End::NotReached ? "pending" : r.output_same ? "matches" : "differs");
      out(buf);
      out("replay-line " + r.line());
    } else if (what == "status") {
      out("status " + a.status);
    } else if (what == "counters") {
      std::snprintf(buf, sizeof buf, "counters insns=%llu cycles=%llu", (unsigned long long)a.counters.insns,
                    (unsigned long long)a.counters.cycles);
      out(buf);
    } else if (what == "windows") {
      // The windows drawn in the last frame, with their place on the screen.
      for (ImGuiWindow* win : ImGui::GetCurrentContext()->Windows) {
        if (!win->Active || win->Hidden || (win->Flags & (ImGuiWindowFlags_ChildWindow | ImGuiWindowFlags_Tooltip |
                                                          ImGuiWindowFlags_Popup)))
          continue;
        if (std::string(win->Name).rfind("Debug##", 0) == 0 || std::string(win->Name) == "##MainMenuBar") continue;
        std::snprintf(buf, sizeof buf, "window %s|%d|%d|%d|%d", win->Name, int(win->Pos.x), int(win->Pos.y),
                      int(win->Size.x), int(win->Size.y));
        out(buf);
      }
    } else if (what == "hypercalls") {
      a.refresh_hypercalls();
      std::snprintf(buf, sizeof buf, "hypercalls total=%llu refused=%llu", (unsigned long long)a.hc.log.total,
                    (unsigned long long)a.hc.log.refused);
      out(buf);
    } else if (what == "breakpoints") {
      for (const BreakpointInfo& b : a.bps) {
        std::snprintf(buf, sizeof buf, "breakpoint %#llx %s", (unsigned long long)b.addr, a.sym(uint32_t(b.addr)).c_str());
        out(buf);
      }
    } else if (what == "byte") {
      // One byte read through the Session (after a `poke`, what the memory holds).
      const bool phys = w.back() == "phys";
      uint64_t at = 0;
      bool known = false;
      if (phys) {
        if (auto v = parse_hex(arg(2))) at = *v, known = true;
      } else if (auto v = addr(2)) {
        at = *v;
        known = true;
      }
      uint8_t b = 0;
      if (!known || a.s.read_memory(at, &b, 1, phys) != 1) {
        fail("print byte ADDR [phys]: not readable");
        return false;
      }
      std::snprintf(buf, sizeof buf, "byte %#llx=%#x", (unsigned long long)at, b);
      out(buf);
    } else if (what == "timing") {
      // What the Timing window shows: per vcpu, the model's cycles (the CPI stack's sum), the
      // cycle counter when the model was attached, its instructions and IPC, and the largest
      // entry of the stack.
      if (!a.timing) {
        out("timing atomic");
        return true;
      }
      a.refresh_timing();
      for (size_t i = 0; i < a.tm.stats.size(); ++i) {
        const TimingStats& t = a.tm.stats[i];
        size_t top = 0;
        for (size_t k = 0; k < size_t(CpiCause::kCount); ++k)
          if (t.cpi[k] > t.cpi[top]) top = k;
        std::snprintf(buf, sizeof buf, "timing %s vcpu=%zu insns=%llu cycles=%llu from=%llu ipc=%.3f top=%s",
                      a.tm.config.c_str(), i, (unsigned long long)t.insns, (unsigned long long)t.cycles,
                      (unsigned long long)a.tm.start[i], t.cycles ? double(t.insns) / double(t.cycles) : 0.0,
                      cpi_cause_name(CpiCause(top)));
        out(buf);
      }
    } else if (what == "console") {
      a.refresh_console();
      out("console " + std::to_string(a.con.text.size()) + " bytes");
    } else {
      fail("print reg NAME | byte ADDR [phys] | status | counters | timeline | replay | windows | hypercalls | "
           "breakpoints | console | timing");
      return false;
    }
    return true;
  }
  if (cmd == "quit") {
    done_ = true;
    return true;
  }
  fail("unknown command '" + cmd + "' (ui/script.h lists them)");
  return false;
}

}  // namespace pvlab::ui
