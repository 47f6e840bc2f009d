// The command line of the traces: the `pvlab run` options that write them and the
// `pvlab trace` subcommand (show, diff). Kept apart from main.cpp.
#pragma once
#include <CLI/CLI.hpp>

#include <string>

#include "frontend/trace_session.h"

namespace pvlab {

void add_trace_run_options(CLI::App* run, TraceRunOptions& o);

struct TraceCommand {
  CLI::App* app = nullptr;
  CLI::App* show = nullptr;
  CLI::App* diff = nullptr;
  std::string show_path;
  std::string a, b;
  unsigned context = 3;
};
void add_trace_command(CLI::App& app, TraceCommand& t);
// When `pvlab trace ...` was given: its exit status.
int trace_command_main(const TraceCommand& t);

}  // namespace pvlab
