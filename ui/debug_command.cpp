// The `pvlab debug` subcommand's options (ui/debugger.h).
#include <CLI/CLI.hpp>

#include "ui/debugger.h"

namespace pvlab::ui {

CLI::App* add_debug_command(CLI::App& app, DebugOptions& o) {
  CLI::App* d = app.add_subcommand("debug", "debug a kernel in the GUI debugger (docs/debugging.md)");
  d->add_option("image", o.image,
                "kernel: a Multiboot or PV ELF, or a recording (pvlab record) to replay (default: the built-in demo guest)");
  d->add_option("--image", o.replay_image, "with a recording: the image to use instead of the path it names");
  d->add_option("--machine", o.machine, "pc or pv (default: detected from the image)");
  d->add_option("-m,--memory", o.mem_bytes, "guest RAM, e.g. 64M or 1G")
      ->transform(CLI::AsSizeValue(false))
      ->default_str("64M");
  d->add_option("--cmdline", o.cmdline, "kernel command line");
  d->add_option("--vcpus", o.vcpus, "PV: virtual CPUs of the domain")->check(CLI::Range(1, 16));
  d->add_option("--script", o.script,
                "run the GUI actions in FILE (step, break, run, open, screenshot, ...) and quit");
  d->add_option("--width", o.width, "window width")->check(CLI::Range(640, 8192));
  d->add_option("--height", o.height, "window height")->check(CLI::Range(400, 8192));
  d->add_flag("--reset-layout", o.reset_layout, "start from the default window layout");
  d->add_option("--reverse-interval", o.reverse_interval,
                "instructions between the reverse history's snapshots (0: no step back or timeline)")
      ->capture_default_str();
  d->add_option("--timing", o.timing, "timing model: atomic or ooo (docs/timing.md; the Timing window shows its CPI stack)")
      ->capture_default_str();
  d->add_option("--timing-config", o.timing_config, "the ooo model's configuration (an INI file with a [timing] section)");
  return d;
}

}  // namespace pvlab::ui
