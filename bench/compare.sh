#!/usr/bin/env bash
# Side-by-side benchmark: pvlab against QEMU (TCG) and Bochs on the same three guest kernels
# (guests/bench/: intloop, memloop, traploop), all booted as Multiboot ELF kernels with 64 MiB.
#
#   bench/compare.sh [--quick] [BUILD_DIR]        (BUILD_DIR defaults to build-bench)
#
# It installs what is missing with apt-get (Debian 12, root or sudo), builds pvlab and the
# kernels in BUILD_DIR, then for each workload runs every emulator at two iteration counts and
# prints a table. Method (see bench/README.md):
#   - guest instructions = pvlab's exact count at N2 minus its count at N1 (the guests are
#     deterministic, and each run's checksum must match pvlab's, so all three did that work);
#   - seconds = the emulator's time at N2 minus its time at N1, which removes firmware, boot
#     loader and start-up costs; each point is the minimum over REPEATS runs;
#   - time is the CPU time (user + system, all threads, getrusage) of the emulator process,
#     which stays meaningful on a busy machine; TIMER=wall uses elapsed time instead;
#   - MIPS = instructions / seconds / 1e6; the ratios are pvlab's MIPS over the other's
#     (above 1: pvlab is faster).
# Environment: REPEATS (default 3), TIMER (cpu or wall), RUN_TIMEOUT seconds per run (600),
# ONLY (a space-separated subset of the workloads, e.g. ONLY=traploop; default all three),
# EMULATORS (default "pvlab qemu bochs"; pvlab always runs, its counts are the reference).
# Raw results go to BUILD_DIR/compare/results.csv. Never part of the test suite.
set -euo pipefail
cd "$(dirname "$0")/.."

quick=0
if [ "${1:-}" = "--quick" ]; then quick=1; shift; fi
build=${1:-build-bench}
repeats=${REPEATS:-3}
timer=${TIMER:-cpu}
run_timeout=${RUN_TIMEOUT:-600}
work="$build/compare"

# workload, small and large iteration counts (200-550 million guest instructions apart).
if [ "$quick" = 1 ]; then
  workloads=("intloop 100 600" "memloop 20 220" "traploop 200 1200")
  repeats=1
else
  workloads=("intloop 1000 16000" "memloop 200 2700" "traploop 2000 34000")
fi
if [ -n "${ONLY:-}" ]; then
  picked=()
  for w in "${workloads[@]}"; do
    for o in $ONLY; do [ "${w%% *}" = "$o" ] && picked+=("$w"); done
  done
  [ "${#picked[@]}" -gt 0 ] || { echo "compare: ONLY='$ONLY' names no workload" >&2; exit 2; }
  workloads=("${picked[@]}")
fi
emulators="pvlab"
for e in ${EMULATORS:-qemu bochs}; do [ "$e" = pvlab ] || emulators="$emulators $e"; done

log() { echo "compare: $*" >&2; }

# --- what is needed -----------------------------------------------------------------------
BOCHS_BIOS=/usr/share/bochs/BIOS-bochs-latest
VGA_BIOS=/usr/share/vgabios/vgabios.bin
install_deps() {
  # What building pvlab and its guests needs, plus the other emulators and a GRUB ISO maker.
  tools/dev.sh deps qemu-system-x86 bochs bochs-term bochsbios vgabios grub-pc-bin grub-common \
    xorriso mtools
}
install_deps
for f in "$BOCHS_BIOS" "$VGA_BIOS" /usr/lib/grub/i386-pc/multiboot.mod; do
  [ -f "$f" ] || { log "missing $f after installing packages"; exit 2; }
done

# --- build --------------------------------------------------------------------------------
if [ ! -f "$build/build.ninja" ]; then
  meson setup "$build" --buildtype=release >/dev/null
fi
ninja -C "$build" frontend/pvlab guests/intloop.elf guests/memloop.elf guests/traploop.elf >/dev/null
pvlab="$build/frontend/pvlab"
mkdir -p "$work"

# --- one run ------------------------------------------------------------------------------
# Each runner leaves the guest's output in $work/out.txt, stderr in $work/err.txt and the
# times ("wall user sys") in $work/time.txt; it returns non-zero if the run failed.
# (getrusage of the child, to the microsecond; the child's waited-for descendants included.)
timed() {
  python3 -c '
import os, sys, time
t0 = time.monotonic()
pid = os.fork()
if pid == 0:
    os.execvp(sys.argv[2], sys.argv[2:])
_, status, ru = os.wait4(pid, 0)
wall = time.monotonic() - t0
with open(sys.argv[1], "w") as f:
    f.write("%.4f %.4f %.4f\n" % (wall, ru.ru_utime, ru.ru_stime))
sys.exit(os.waitstatus_to_exitcode(status) & 255)
' "$work/time.txt" timeout "$run_timeout" "$@" >"$work/out.txt" 2>"$work/err.txt" </dev/null
}

run_pvlab() {
  timed "$pvlab" run "$build/guests/$1.elf" -m 64M --cmdline "iters=$2" --stats
}

run_qemu() {
  # PC machine (i440fx, ACPI PM1a control at 0x604); the guest powers off through it.
  timed qemu-system-i386 -accel tcg -M pc -m 64 -nodefaults -display none -no-reboot \
    -monitor none -serial none -debugcon stdio \
    -kernel "$build/guests/$1.elf" -append "iters=$2"
}

# Bochs has no direct Multiboot loader: boot a GRUB CD image whose menu loads the kernel
# with the command line (one image per workload and count, made once).
bochs_iso() {
  local iso="$work/$1-$2.iso"
  if [ ! -f "$iso" ] || [ "$iso" -ot "$build/guests/$1.elf" ]; then
    local tree="$work/iso-$1-$2"
    rm -rf "$tree"
    mkdir -p "$tree/boot/grub"
    cp "$build/guests/$1.elf" "$tree/boot/"
    cat >"$tree/boot/grub/grub.cfg" <<EOF
set timeout=0
set default=0
menuentry "$1" {
  multiboot /boot/$1.elf iters=$2
  boot
}
EOF
    grub-mkrescue -d /usr/lib/grub/i386-pc --fonts= --locales= --themes= \
      --install-modules="multiboot normal iso9660 biosdisk configfile" \
      -o "$iso" "$tree" >"$work/mkrescue.log" 2>&1 || { log "grub-mkrescue failed, see $work/mkrescue.log"; exit 1; }
    rm -rf "$tree"
  fi
  echo "$iso"
}

run_bochs() {
  local iso
  iso=$(bochs_iso "$1" "$2")
  # Headless: the text-terminal display (it opens its own pseudo-terminal), no sound, clock
  # free-running (sync=none) so Bochs runs as fast as it can. Port 0xE9 goes to stdout; the
  # guest's "Shutdown" string on port 0x8900 ends the run (Bochs reports it as a panic, so the
  # exit status is 1 and success is judged by the checksum line). Debian's Bochs has the
  # internal debugger built in and stops at its prompt: bochs.rc tells it to continue.
  cat >"$work/bochsrc" <<EOF
megs: 64
romimage: file=$BOCHS_BIOS
vgaromimage: file=$VGA_BIOS
ata0-master: type=cdrom, path=$iso, status=inserted
boot: cdrom
display_library: term
port_e9_hack: enabled=1
sound: driver=dummy
speaker: enabled=0
clock: sync=none, time0=1
cpu: count=1, ips=10000000, reset_on_triple_fault=0
log: $work/bochs.log
panic: action=fatal
error: action=report
info: action=ignore
debug: action=ignore
EOF
  printf 'c\nquit\n' >"$work/bochs.rc"
  TERM=vt100 timed bochs -q -f "$work/bochsrc" -rc "$work/bochs.rc" || true
}

# --- the runs -----------------------------------------------------------------------------
csv="$work/results.csv"
echo "repeat,workload,iters,emulator,checksum,insns,wall,cpu" >"$csv"
declare -A expect
start=$(date +%s)
for ((r = 1; r <= repeats; ++r)); do
  for w in "${workloads[@]}"; do
    read -r name n1 n2 <<<"$w"
    for n in "$n1" "$n2"; do
      for emu in $emulators; do
        "run_$emu" "$name" "$n" || true
        sum=$(grep -a -o "$name checksum 0x[0-9a-f]*" "$work/out.txt" | awk '{print $3}' || true)
        insns=""
        if [ "$emu" = pvlab ]; then
          insns=$(grep -o '[0-9]* instructions' "$work/err.txt" | awk '{print $1}' || true)
          expect[$name-$n]=$sum
        fi
        if [ -z "$sum" ] || [ "$sum" != "${expect[$name-$n]:-}" ]; then
          log "$emu $name iters=$n FAILED (checksum '${sum}', pvlab's '${expect[$name-$n]:-}'); output:"
          tail -c 400 "$work/out.txt" >&2 || true
          tail -c 400 "$work/err.txt" >&2 || true
          sum="FAIL"
        fi
        read -r wall user sys < <(tail -1 "$work/time.txt")
        cpu=$(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%.3f", u + s }')
        echo "$r,$name,$n,$emu,$sum,$insns,$wall,$cpu" >>"$csv"
        log "repeat $r/$repeats $name iters=$n $emu: $sum, ${cpu}s cpu, ${wall}s wall"
      done
    done
  done
done
elapsed=$(( $(date +%s) - start ))

# --- the table ----------------------------------------------------------------------------
python3 - "$csv" "$timer" "$elapsed" <<'EOF'
import csv, sys
path, timer, elapsed = sys.argv[1], sys.argv[2], sys.argv[3]
rows = list(csv.DictReader(open(path)))
emus = ["pvlab", "qemu", "bochs"]
label = {"pvlab": "pvlab", "qemu": "QEMU", "bochs": "Bochs"}
key = "cpu" if timer == "cpu" else "wall"
order, best, insns, failed = [], {}, {}, set()
for r in rows:
    w, n, e = r["workload"], int(r["iters"]), r["emulator"]
    if w not in order:
        order.append(w)
    if r["checksum"] == "FAIL":
        failed.add((w, e))
        continue
    t = float(r[key])
    best[(w, n, e)] = min(t, best.get((w, n, e), t))
    if e == "pvlab" and r["insns"]:
        insns[(w, n)] = int(r["insns"])

def cell(v, fmt):
    return "n/a" if v is None else fmt % v

head = ["workload", "iters", "guest insns"]
for e in emus:
    head += [label[e] + " s", label[e] + " MIPS"]
head += ["pvlab/QEMU", "pvlab/Bochs"]
lines, startup = [], []
for w in order:
    ns = sorted({int(r["iters"]) for r in rows if r["workload"] == w})
    n1, n2 = ns[0], ns[-1]
    di = insns.get((w, n2), 0) - insns.get((w, n1), 0) if (w, n1) in insns and (w, n2) in insns else None
    mips, line, up = {}, [w, "%d-%d" % (n1, n2), cell(di, "%d")], [w]
    for e in emus:
        t1, t2 = best.get((w, n1, e)), best.get((w, n2, e))
        if (w, e) in failed or t1 is None or t2 is None or di is None or t2 <= t1:
            mips[e], dt, t0 = None, None, None
        else:
            dt = t2 - t1
            mips[e] = di / dt / 1e6
            t0 = t1 - dt * n1 / (n2 - n1)  # the time at zero iterations: start-up
        line += [cell(dt, "%.2f"), cell(mips[e], "%.1f")]
        up.append(cell(t0, "%.2f"))
    for e in ("qemu", "bochs"):
        r = mips["pvlab"] / mips[e] if mips["pvlab"] and mips[e] else None
        line.append(cell(r, "%.2f"))
    lines.append(line)
    startup.append(up)

def table(head, lines):
    widths = [max(len(str(x)) for x in col) for col in zip(head, *lines)]
    fmt = lambda row: "| " + " | ".join(str(x).rjust(wd) for x, wd in zip(row, widths)) + " |"
    print(fmt(head))
    print("|" + "|".join("-" * (wd + 2) for wd in widths) + "|")
    for l in lines:
        print(fmt(l))

print()
print("Seconds = %s time difference between the two iteration counts (best of the repeats);"
      % ("CPU (user+sys)" if key == "cpu" else "elapsed"))
print("guest insns = pvlab's instruction count difference; ratio = pvlab MIPS / other MIPS.")
print()
table(head, lines)
print()
print("Start-up and boot overhead removed by the difference (seconds, extrapolated to 0 iterations):")
print()
table(["workload"] + [label[e] for e in emus], startup)
print()
print("Whole comparison took %s s of wall time." % elapsed)
if failed:
    print("FAILED runs (wrong or missing checksum): " + ", ".join("%s on %s" % f for f in sorted(failed)))
    sys.exit(1)
EOF
