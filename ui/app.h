// The debugger's state between frames: the Session it drives, the actions every button,
// shortcut and script line goes through (run, pause, step, breakpoints, register and memory
// edits), which windows are open, and each view's cached reading of the machine.
//
// Views read the machine only while it is stopped, and only when it may have changed: every
// action that can change it bumps `gen`, and each view rebuilds its cache when the cache's
// generation differs. While a run is under way the views show their last reading, dimmed.
#pragma once
#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "frontend/debug_records.h"
#include "frontend/debug_views.h"
#include "frontend/session.h"
#include "frontend/timing_setup.h"
#include "ui/expr.h"
#include "ui/replay_open.h"

namespace pvlab::ui {

enum class Win : unsigned {
  Controls, Registers, Disassembly, Stack, Breakpoints, Console, Memory, PageTables, Tlb,
  Descriptors, Hypercalls, Evtchn, Frames, Timing, kCount
};
constexpr size_t kWinCount = size_t(Win::kCount);

struct WinDef {
  const char* title;    // the window's title (and its name in imgui.ini)
  const char* key;      // its name in scripts
  bool pv_only;         // shows the PV hypervisor
  bool open_pc, open_pv;   // open by default on a bare-metal / PV machine
  float x, y, w, h;     // default place, in fractions of the display below the menu bar
};
const WinDef& win_def(Win w);
std::optional<Win> win_by_key(const std::string& key);

struct DisasmLine {
  uint32_t addr = 0;
  unsigned len = 0;
  std::string bytes, text, label;
};

struct PtNode {                        // one page-table page as read for the explorer
  std::vector<uint64_t> entries;
  bool ok = false;
};

class App {
 public:
  App(Session& s, Symbols syms, std::string image_name);

  Session& s;
  const Symbols syms;
  const std::string image_name;
  const bool pv;
  std::array<bool, kWinCount> open{};
  std::array<bool, kWinCount> shown{};  // drawn last frame (a window opened now comes to the front)
  std::optional<Win> raise;             // bring this window to the front (once)
  bool reset_layout = false;           // place every window at its default (once)
  struct Place {
    Win win;
    float x, y, w, h;                  // pixels
  };
  std::optional<Place> place;          // move and size one window (once; scripts)
  float menu_height = 0;               // the main menu bar's height this frame
  bool quit = false;
  const TimingModels* timing = nullptr;   // the out-of-order models (--timing ooo), one per vcpu
  // A recording opened with `pvlab debug run.pvr` (ui/replay_open.h): the session's target.
  ReplayDebugTarget* replay = nullptr;
  ReplaySummary rp;                    // where the replay is, as last read

  // ---- the machine's state as the views last read it -------------------------------------
  uint64_t gen = 1;                    // bumped by anything that may change the machine
  std::array<uint64_t, size_t(Reg::kCount)> regs{}, before{};   // now / before the last run
  CountersRecord counters;
  std::vector<BreakpointInfo> bps;
  std::vector<WatchpointInfo> wps;
  std::string status = "stopped before the first instruction";
  bool ended = false;
  uint32_t pc() const { return uint32_t(regs[size_t(Reg::CS_BASE)] + regs[size_t(Reg::EIP)]); }
  bool busy() const { return s.running(); }
  bool waiting() const { return waiting_; }   // a run's stop is not yet collected

  // ---- actions ---------------------------------------------------------------------------
  void start(RunMode mode, uint32_t addr = 0);   // continue / step over / run to, on the session's thread
  void pause();
  void step(unsigned n = 1);                     // n single steps, here and now
  // Step back n instructions / back to the previous breakpoint hit / to instruction count k
  // of the reverse history (Session::enable_reverse), here and now.
  // Idle with a reverse history; else false, saying why when there is no history.
  bool can_reverse();
  void step_back(unsigned n = 1);
  void reverse_continue();
  // On a replay, a count past the furthest point reached runs forward to it (on the
  // session's thread, stopping early at a breakpoint); the slider spans the whole recording.
  void go_to(uint64_t k);
  uint64_t timeline_end() const;       // the slider's end: the furthest point, or the recorded end
  Session::Timeline timeline;          // the reverse history as last read
  void poll();                                   // collect the stop of a run
  void toggle_breakpoint(uint32_t lin);
  // PV: stop on event upcalls for hc.upcall_port (decimal; empty: any port), or stop no more.
  bool catch_upcall(bool on);
  bool has_breakpoint(uint32_t lin) const;
  bool set_reg(Reg r, uint64_t value);           // status says why when it fails
  bool write_byte(uint64_t addr, uint8_t v, bool phys);
  void refresh();                                // re-read after a change (bumps gen)
  std::string sym(uint32_t addr) const { return syms.describe(addr); }
  std::optional<uint32_t> eval(const std::string& text);   // status says why when it fails
  void say(std::string text, bool error = false);
  bool status_error = false;

 private:
  bool waiting_ = false;               // a run was started and its stop not yet collected
  void stopped(const StopInfo& st);
 public:

  // ---- per-view state --------------------------------------------------------------------
  struct {
    uint64_t gen = 0;
    uint32_t anchor = 0;               // the address the listing was built around
    std::vector<DisasmLine> lines;
    std::optional<uint32_t> cursor;    // the selected line (run to cursor, F9)
    bool follow = true;                // keep EIP in view
    uint32_t view_addr = 0;            // the address shown when not following
    std::string goto_text;
    bool scroll = true;
  } dis;
  struct {
    uint64_t gen = 0;
    std::string expr = "0";
    uint32_t addr = 0;
    bool phys = false;
    uint32_t read_addr = 0;
    bool read_phys = false;
    std::vector<int> cells;            // the bytes from read_addr (-1: not readable)
    std::optional<uint64_t> edit;      // the byte being edited
    std::string edit_text;
    bool focus_edit = false;
  } mem;
  struct {
    uint64_t gen = 0;
    std::vector<uint32_t> words;
    uint32_t esp = 0;
  } stack;
  struct {
    uint64_t gen = 0;
    bool pae = false, paging = false;
    uint32_t cr3 = 0;
    std::map<uint64_t, PtNode> pages;  // by physical address of the table
    std::string translate_text;
    std::optional<PageWalkView> walk;
    std::optional<uint32_t> reveal;    // open the tree down to this address (once)
    std::vector<FrameRecord> frames;   // PV: to mark the hypervisor's frames
  } pt;
  struct {
    uint64_t gen = 0;
    std::vector<TlbRecord> tlbs;
    bool global_only = false;
  } tlb;
  struct {
    uint64_t gen = 0;
    std::vector<DescriptorView> gdt, ldt, idt;
    std::string tss;
    PvTrapsRecord traps;
    std::string select_tab;            // select this tab (once)
  } desc;
  struct {
    uint64_t gen = 0;
    HypercallLogRecord log;
    std::string filter;
    bool refused_only = false;
    bool catch_refused = false;
    bool catch_upcall = false;         // stop on event upcalls (for upcall_port, or any)
    std::string upcall_port;
    bool catch_rejected = false;       // stop on refused page-table / descriptor updates
    bool expand_last = false;          // open the newest call (once)
    size_t shown = 0;                  // calls in the log when last scrolled to the end
    int scroll = 0;                    // frames left to keep the end in view
  } hc;
  struct {
    uint64_t gen = 0;
    EvtchnRecord rec;
  } ev;
  struct {
    uint64_t gen = 0;
    std::vector<FrameRecord> frames;
    std::vector<std::pair<std::string, unsigned>> summary;
    bool typed_only = true;
  } fr;
  struct {
    uint64_t gen = 0;
    std::string text;
    size_t shown = 0;
    int scroll = 0;                    // frames left to keep the end in view
  } con;
  struct Timing {
    uint64_t gen = 0;
    std::vector<TimingStats> stats;    // per vcpu
    std::vector<uint64_t> start;       // per vcpu: the cycle counter when the model was attached
    struct Fn {
      std::string name;
      uint64_t insns = 0, cycles = 0;
      CpiCause top = CpiCause::Base;   // its largest CPI-stack entry
    };
    std::vector<std::vector<Fn>> functions;   // per vcpu: the functions with the most cycles
    std::string config;                // the configuration's name
  } tm;
  static constexpr size_t kTimingFunctions = 20;
  struct {
    std::string bp_text, wp_text, vector_text;
    int wp_len = 4;
    int wp_kind = 1;                   // 0 read, 1 write, 2 access
    bool wp_phys = false;
  } brk;

  // Views rebuild their caches through these (each checks its own generation).
  void refresh_disasm();
  void refresh_memory();
  void refresh_stack();
  void refresh_tlb();
  void refresh_descriptors();
  void refresh_hypercalls();
  void refresh_evtchn();
  void refresh_frames();
  void refresh_console();
  void refresh_timing();
  const PtNode& pt_page(uint64_t phys, unsigned entries, unsigned entry_size);
  void translate(uint32_t lin);
};

// The windows (ui/views_*.cpp); each draws one window when it is open.
void draw_controls(App& a);
void draw_registers(App& a);
void draw_disassembly(App& a);
void draw_breakpoints(App& a);
void draw_memory(App& a);
void draw_stack(App& a);
void draw_console(App& a);
void draw_page_tables(App& a);
void draw_tlb(App& a);
void draw_descriptors(App& a);
void draw_hypercalls(App& a);
void draw_evtchn(App& a);
void draw_frames(App& a);
void draw_timing(App& a);

// Begin a window at its default place (see WinDef); false when it is collapsed.
bool begin_window(App& a, Win w);
// Dim the views while the machine runs.
bool views_dimmed(App& a);

}  // namespace pvlab::ui
