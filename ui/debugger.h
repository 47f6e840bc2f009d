// `pvlab debug IMAGE`: the Dear ImGui + SDL2 debugger over a Session (frontend/session.h).
// main.cpp registers the subcommand with add_debug_command() and calls debug_main().
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace pvlab::ui {

struct DebugOptions {
  std::string image;                // empty: `demo`; a recording (by its magic): replayed
  std::string replay_image;         // --image: a recording's image, instead of the path it names
  std::vector<uint8_t> demo;        // the built-in demo guest (filled in by main.cpp)
  std::string machine = "auto";     // auto, pc, pv
  uint64_t mem_bytes = 64u << 20;
  std::string cmdline;
  unsigned vcpus = 1;
  std::string script;               // run these GUI actions, then quit (ui/script.h)
  int width = 1440, height = 900;   // the window's size
  bool reset_layout = false;        // ignore the remembered window layout
  uint64_t reverse_interval = 10'000'000;   // reverse history: snapshot interval (0: off)
  std::string timing = "atomic";    // --timing atomic|ooo
  std::string timing_config;        // --timing-config FILE (ooo)
};

// Add the `debug` subcommand and its options to `app`.
CLI::App* add_debug_command(CLI::App& app, DebugOptions& o);

// Load the image, open the window and run the debugger; returns pvlab's exit status.
int debug_main(const DebugOptions& o);

}  // namespace pvlab::ui
