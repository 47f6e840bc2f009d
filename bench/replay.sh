#!/usr/bin/env bash
# What recording and replaying cost: each bench guest (and the PV demo guest) run
# plain, recorded with the default checkpoint interval, recorded with snapshots at the default
# interval, recorded with a dense one, recorded densely with snapshots at every checkpoint,
# and replayed; best of N CPU times (user + system) and the overhead of each over the plain
# run, and the size of the dense recording with snapshots. Not part of the test suite.
#   bench/replay.sh [BUILD_DIR] [N]
# DENSE (cycles, default 10000000) is the dense interval; ONLY picks workloads, e.g.
# ONLY="intloop pv-demo".
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
reps=${2:-3}
dense=${DENSE:-10000000}
pvlab="$build/frontend/pvlab"
[ -x "$pvlab" ] || { echo "build first: ninja -C $build" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# name, image (empty: the built-in demo guest), pvlab options
workloads=(
  "intloop|$build/guests/intloop.elf|--cmdline iters=16000"
  "memloop|$build/guests/memloop.elf|--cmdline iters=2700"
  "traploop|$build/guests/traploop.elf|--cmdline iters=34000"
  "pv-demo|$build/guests/pv-demo.elf|"
)

# CPU seconds (user + system) of one command, its output discarded.
cpu_secs() {
  local TIMEFORMAT='%U %S' t
  t=$( { time "$@" >/dev/null 2>&1 </dev/null; } 2>&1 ) || true
  awk -v t="$t" 'BEGIN { split(t, a, " "); printf "%.3f", a[1] + a[2] }'
}

best_of() {
  local best="" s
  for ((i = 0; i < reps; i++)); do
    s=$(cpu_secs "$@")
    if [ -z "$best" ] || awk "BEGIN{exit !($s < $best)}"; then best=$s; fi
  done
  echo "$best"
}

pct() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%+.1f%%", (a / b - 1) * 100 }'; }

echo "pvlab $(git rev-parse --short HEAD 2>/dev/null || echo '?'), best of $reps CPU times," \
     "dense interval $dense cycles, load: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '| %-8s | %7s | %15s | %15s | %15s | %15s | %15s | %11s | %12s |\n' workload "plain s" "record s" \
       "record+snap s" "dense s" "dense+snap s" "replay s" "dense+snap" "checkpoints"
printf '|%s|\n' "----------|---------|-----------------|-----------------|-----------------|-----------------|-----------------|-------------|--------------"
for w in "${workloads[@]}"; do
  IFS='|' read -r name image opts <<<"$w"
  if [ -n "${ONLY:-}" ] && [[ " $ONLY " != *" $name "* ]]; then continue; fi
  # shellcheck disable=SC2206
  args=($image $opts)
  plain=$(best_of "$pvlab" run "${args[@]}")
  rec=$(best_of "$pvlab" record -o "$tmp/$name.pvr" "${args[@]}")
  recs=$(best_of "$pvlab" record -o "$tmp/$name-snap100.pvr" --with-snapshots "${args[@]}")
  den=$(best_of "$pvlab" record -o "$tmp/$name-dense.pvr" --snapshot-interval "$dense" "${args[@]}")
  snap=$(best_of "$pvlab" record -o "$tmp/$name-snap.pvr" --snapshot-interval "$dense" \
         --with-snapshots "${args[@]}")
  rep=$(best_of "$pvlab" replay -q "$tmp/$name.pvr")
  "$pvlab" replay -q "$tmp/$name-dense.pvr" 2>&1 | grep -q 'replay: identical' ||
    { echo "$name: the dense recording does not replay" >&2; exit 1; }
  "$pvlab" replay -q "$tmp/$name-snap.pvr" 2>&1 | grep -q 'replay: identical' ||
    { echo "$name: the dense recording with snapshots does not replay" >&2; exit 1; }
  ncp=$("$pvlab" replay --info "$tmp/$name-dense.pvr" | sed -nE 's/^checkpoints: ([0-9]+).*/\1/p')
  size=$(awk -v b="$(stat -c %s "$tmp/$name-snap.pvr")" 'BEGIN { printf "%.1f MB", b / 1e6 }')
  printf '| %-8s | %7s | %6s %8s | %6s %8s | %6s %8s | %6s %8s | %6s %8s | %11s | %12s |\n' "$name" "$plain" \
         "$rec" "$(pct "$rec" "$plain")" "$recs" "$(pct "$recs" "$plain")" "$den" "$(pct "$den" "$plain")" \
         "$snap" "$(pct "$snap" "$plain")" "$rep" "$(pct "$rep" "$plain")" "$size" "${ncp:-?}"
done
echo "(percentages: over the plain run; replay replays the default-interval recording;" \
     "dense+snap: the size of that recording; checkpoints: of the dense recording)"
