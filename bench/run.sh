#!/usr/bin/env bash
# pvlab's interpreter benchmark: the integer-heavy guest loop (guests/bench/intloop.c) with
# PAE paging on, run on one core; prints guest instructions, seconds and guest MIPS.
#   bench/run.sh [BUILD_DIR] [ITERATIONS]
# Build first (tools/dev.sh demo, or ninja -C build). Speed is measured here, never in tests.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
iters=${2:-20000}
pvlab="$build/frontend/pvlab"
guest="$build/guests/intloop.elf"
[ -x "$pvlab" ] && [ -f "$guest" ] || { echo "build first: ninja -C $build" >&2; exit 2; }
best=""
for run in 1 2 3; do
  out=$("$pvlab" run "$guest" --cmdline "iters=$iters" --stats 2>&1 >/dev/null | grep -E 'instructions,')
  mips=$(echo "$out" | sed -E 's/.* ([0-9.]+) MIPS.*/\1/')
  echo "run $run: $out"
  if [ -z "$best" ] || awk "BEGIN{exit !($mips > $best)}"; then best=$mips; fi
done
echo "intloop (PAE paging, $iters iterations): best of 3 = $best guest MIPS"
