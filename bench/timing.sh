#!/usr/bin/env bash
# What the timing models cost: the three benchmark guests (guests/bench/: intloop, memloop,
# traploop) under `--timing atomic` and `--timing ooo` with both shipped core configurations
# (cpu/timing/configs/), best of three runs each, as one table:
#
#   guest, model, guest instructions, CPU seconds (user + system, whole process), guest MIPS
#   per CPU second, wall MIPS (pvlab's --stats: the run loop alone), wall MIPS of the whole
#   process, and what an instruction costs against atomic (CPU time per instruction).
#
# A run's start-up (loading, building the machine and the models' tables, and the guest's
# own set-up before its loop) is in the CPU seconds; the last lines give it, measured as a
# one-iteration run of each guest.
#
#   bench/timing.sh [BUILD_DIR] [REPEATS]
#
# Build first (ninja -C BUILD_DIR). Speed is measured here, never in tests. The load average
# is printed with the table: on a shared machine the wall figures say as much about the other
# jobs as about pvlab, the CPU-time ones much less.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
repeats=${2:-3}
pvlab="$build/frontend/pvlab"
for g in intloop memloop traploop; do
  [ -f "$build/guests/$g.elf" ] || { echo "build first: ninja -C $build" >&2; exit 2; }
done
[ -x "$pvlab" ] || { echo "build first: ninja -C $build" >&2; exit 2; }
configs=cpu/timing/configs

# Iterations giving some 35-75 million instructions per run (about 0.3 s under atomic).
workloads=("intloop 2000" "memloop 300" "traploop 6000")
models=("atomic" "ooo pentium-m" "ooo skylake")

# One run: prints "insns cpu_seconds wall_seconds loop_mips".
one_run() {
  local guest=$1 iters=$2 model=$3 cfg=${4:-}
  local args=(run "$build/guests/$guest.elf" -m 64M --cmdline "iters=$iters" --stats --debugcon none --serial none)
  [ "$model" = ooo ] && args+=(--timing ooo --timing-config "$configs/$cfg.ini")
  python3 -c '
import re, resource, subprocess, sys, time
t0 = time.monotonic()
p = subprocess.run(sys.argv[1:], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
wall = time.monotonic() - t0
r = resource.getrusage(resource.RUSAGE_CHILDREN)   # the one child run
m = re.search(r"pvlab: (\d+) instructions, \d+ cycles, [0-9.]+ s, ([0-9.]+) MIPS", p.stderr)
if p.returncode != 0 or not m:
    sys.stderr.write("run failed (status %d): %s\n" % (p.returncode, p.stderr[-400:]))
    sys.exit(1)
print(m.group(1), "%.4f" % (r.ru_utime + r.ru_stime), "%.4f" % wall, m.group(2))
' "$pvlab" "${args[@]}"
}

printf 'pvlab timing-model cost, best of %s (by CPU time); load average before: %s\n' \
  "$repeats" "$(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-9s %-20s %12s %8s %10s %10s %10s %8s\n' guest model instructions "CPU s" "MIPS/CPU" "loop MIPS" "wall MIPS" "cost"
# The repeats go round every guest and model in turn, so that a burst of load on the host
# (which can last many seconds on a shared machine) costs one run of several configurations
# rather than every run of one.
declare -A best
for ((r = 0; r < repeats; ++r)); do
  for w in "${workloads[@]}"; do
    read -r guest iters <<<"$w"
    for m in "${models[@]}"; do
      read -r model cfg <<<"$m"
      key="$guest/$model/${cfg:-}"
      line=$(one_run "$guest" "$iters" "$model" "${cfg:-}")
      cpu=$(echo "$line" | cut -d' ' -f2)
      if [ -z "${best[$key]:-}" ] || awk "BEGIN{exit !($cpu < $(echo "${best[$key]}" | cut -d' ' -f2))}"; then
        best[$key]=$line
      fi
    done
  done
done
for w in "${workloads[@]}"; do
  read -r guest iters <<<"$w"
  base=""
  for m in "${models[@]}"; do
    read -r model cfg <<<"$m"
    read -r insns cpu wall loop <<<"${best[$guest/$model/${cfg:-}]}"
    per=$(awk "BEGIN{print $cpu / $insns}")
    [ -z "$base" ] && base=$per
    label="$model${cfg:+ ($cfg)}"
    awk -v g="$guest" -v l="$label" -v n="$insns" -v c="$cpu" -v w="$wall" -v lm="$loop" -v p="$per" -v b="$base" \
      'BEGIN{printf "%-9s %-20s %12d %8.3f %10.1f %10.1f %10.1f %7.2fx\n", g, l, n, c, n / c / 1e6, lm, n / w / 1e6, p / b}'
  done
done
echo 'start-up: a one-iteration run (pvlab starting, the guest setting itself up, one iteration):'
for g in intloop memloop traploop; do
  for m in "${models[@]}"; do
    read -r model cfg <<<"$m"
    read -r insns cpu wall loop <<<"$(one_run "$g" 1 "$model" "${cfg:-}")"
    printf '  %-9s %-20s %12d instructions %8.3f CPU s\n' "$g" "$model${cfg:+ ($cfg)}" "$insns" "$cpu"
  done
done
printf 'load average after: %s\n' "$(cut -d' ' -f1-3 /proc/loadavg)"
