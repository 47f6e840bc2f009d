#!/bin/sh
# docs/img/replay-timeline.png (docs/debugging.md, "Debugging a recording in the GUI"):
# record the echo ROM with a line on stdin, then run tests/ui/docs_replay.script on the
# recording, with the timeline taken back to 30 instructions before the recorded end.
#   tests/ui/docs_replay.sh [BUILD]      (BUILD defaults to build; needs a display, or xvfb-run)
set -eu
build=${1:-build}
pvlab="$build/frontend/pvlab"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf 'hello pvlab\n' | "$pvlab" record -o "$tmp/echo.pvr" --bios "$build/tests/frontend/fe_rom_echo.bin" \
  --snapshot-interval 100000 --max-insns 50000000 >/dev/null 2>&1 || true
end=$("$pvlab" replay --info "$tmp/echo.pvr" | sed -n 's/^end: cycle [0-9]*, \([0-9]*\) instructions.*/\1/p')
sed "s/GOTO_AT/$((end - 30))/" tests/ui/docs_replay.script >"$tmp/docs_replay.script"
"$pvlab" debug --script "$tmp/docs_replay.script" "$tmp/echo.pvr"
