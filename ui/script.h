// Scripted debugging sessions (`pvlab debug --script FILE`): a list of GUI actions run one
// after the other between frames, through the same App actions the buttons use, so that a
// test (tests/ui/) or a documentation screenshot sees exactly what a user would. One command
// per line, `#` starts a comment:
//
//   step [N]                 single-step N instructions (F11)
//   over                     step over (F10)
//   back [N]                 step back N instructions (Shift+F11; the reverse history)
//   rcontinue                back to the previous breakpoint hit (Shift+F5)
//   goto N                   the timeline: to instruction count N (on a replay, a count not
//                              reached yet runs forward to it)
//   run                      continue until the machine stops (F5)
//   start | pause            continue without waiting (the Run button) / pause it (F6)
//   runto ADDR               run to an address (the disassembly's "Run to here")
//   cursor ADDR              select a disassembly line; `runcursor` runs to it (F4)
//   break ADDR | delete ADDR set / remove a breakpoint (the disassembly's gutter)
//   watch ADDR LEN read|write|access
//   catch refused | VECTOR   stop after a refused hypercall (PV) / an event with this vector
//   catch rejected           PV: stop after a refused page-table or descriptor update
//   catch upcall [PORT|any]  PV: stop at the event callback when an upcall is delivered
//   catch clear              drop every catch
//   setreg NAME VALUE        edit a register (hexadecimal)
//   memory ADDR [phys]       point the memory view at an address
//   poke ADDR BYTE [phys]    edit one byte in the memory view
//   translate ADDR           walk an address in the page-table explorer (and open the tree to it)
//   open NAME|all            open a window and bring it to the front; names: controls
//   close NAME|all             registers disassembly stack breakpoints console memory
//                              pagetables tlb descriptors hypercalls evtchn frames timing
//   tab NAME                 select a tab of the descriptor tables (GDT LDT IDT TSS "PV traps")
//   hcexpand                 expand the last hypercall in the log
//   frames N                 draw N more frames
//   place NAME X Y W H       move and size a window (pixels) and bring it to the front
//   screenshot PATH [NAME]   save the window as a PNG (only window NAME's rectangle)
//   print reg NAME | byte ADDR [phys] | status | counters | timeline | replay (where in the
//         recording, checkpoints compared and found different, the end) | windows | hypercalls |
//         breakpoints | console | timing (per vcpu: the ooo model's cycles, the cycle counter
//         when it was attached, IPC; under the atomic model "timing atomic")
//   quit
//
// ADDR is an address expression (ui/expr.h). Printed lines start with "script: ". A command
// that fails stops the script with an error naming the line.
#pragma once
#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace pvlab::ui {

class App;

class Script {
 public:
  // Null with `error` set when the file cannot be read.
  static std::optional<Script> load(const std::string& path, std::string& error);

  // Before each frame: run commands until one needs frames drawn first.
  void tick(App& a);
  // A screenshot is due after this frame is rendered, once: the path, and the rectangle of
  // the one window it shows (w == 0: all of it).
  struct Shot {
    std::string path;
    int x = 0, y = 0, w = 0, h = 0;
  };
  std::optional<Shot> take_screenshot_request();
  void screenshot_done(bool ok, const std::string& error);

  bool done() const { return done_; }
  bool failed() const { return failed_; }

 private:
  bool run_line(App& a, const std::string& line);   // false when it failed
  void fail(const std::string& why);

  std::string path_;
  std::vector<std::string> lines_;
  size_t next_ = 0;
  int wait_frames_ = 0;
  bool waiting_run_ = false;
  std::chrono::steady_clock::time_point run_started_;
  std::optional<std::string> shot_;
  std::string shot_window_;          // the title of the window to crop to (empty: none)
  bool shot_pending_ = false;
  bool done_ = false, failed_ = false;
};

}  // namespace pvlab::ui
