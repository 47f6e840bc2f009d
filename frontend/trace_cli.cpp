#include "frontend/trace_cli.h"

#include "frontend/trace_diff.h"

namespace pvlab {

void add_trace_run_options(CLI::App* run, TraceRunOptions& o) {
  run->add_option("--trace-insns", o.insns.path,
                  "write an instruction trace to FILE (text; binary for .pvt or --trace-format bin)");
  run->add_option("--trace-format", o.insns.format, "instruction trace format: text or bin (default: by extension)")
      ->check(CLI::IsMember({"text", "bin"}));
  run->add_option("--trace-start", o.insns.start_cycle, "trace instructions from this cycle on");
  run->add_option("--trace-limit", o.insns.limit, "trace at most this many instructions");
  run->add_option("--trace-events", o.events_path,
                  "write hypercalls, exceptions, event channels, page-table validations and port I/O as JSON lines");
  run->add_option("--trace-chrome", o.chrome_path, "write the same events in Chrome trace-event format (Perfetto)");
}

void add_trace_command(CLI::App& app, TraceCommand& t) {
  t.app = app.add_subcommand("trace", "read traces written by pvlab run --trace-*");
  t.app->require_subcommand(1);
  t.show = t.app->add_subcommand("show", "print an instruction trace (binary or text) as text");
  t.show->add_option("file", t.show_path, "trace file")->required();
  t.diff = t.app->add_subcommand(
      "diff", "name the first point where two traces part (exit 0 identical, 1 different, 2 bad input)");
  t.diff->add_option("a", t.a, "first trace (instruction trace or event log)")->required();
  t.diff->add_option("b", t.b, "second trace")->required();
  t.diff->add_option("--context", t.context, "records of context before the difference")->capture_default_str();
}

int trace_command_main(const TraceCommand& t) {
  if (t.show->parsed()) return trace_show_main(t.show_path, stdout, stderr);
  return trace_diff_main(t.a, t.b, t.context, stdout, stderr);
}

}  // namespace pvlab
