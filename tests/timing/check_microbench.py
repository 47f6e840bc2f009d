#!/usr/bin/env python3
"""Runs the timing microbenchmark guest (guests/timing/) under --timing ooo with one core
configuration and checks each figure against what the configuration says it must be:

  dep_add     cycles per dependent add        == alu_latency
  dep_imul    cycles per dependent imul       == mul_latency
  indep_add   instructions per cycle, 6 chains == min(fetch, issue, retire width, ALUs, 6)
  chase       cycles per dependent load       == the latency of the level the working set
              fits (L1D, L2, memory), for sizes clearly inside or outside each level
              (the list is in random order: the L1D prefetcher finds no stride to follow,
              so these figures hold with it on)
  mlp         independent loads, each to a line nothing touched, prefetcher off: cycles per
              load == mem_latency / min(l1d_mshrs, l2_mshrs, lq_size), the misses the
              miss-status registers let overlap; with one L1D register == mem_latency
  seqchase    a dependent chase through consecutive lines past L2: mem_latency per load with
              the prefetcher off; with it on the loads' memory stalls drop at least by half,
              never below what the registers allow (mem_latency / min(l1d_mshrs,
              l2_mshrs)), and most of the prefetched lines are used
  branch      a random branch mispredicts on about half its runs, a fixed one never; each
              misprediction costs the configured penalty plus the few cycles the
              branch takes to resolve
Plus determinism: two whole runs give the same output and the same cycle count.
With --engine cycle the same checks hold for the cycle-by-cycle engine.
Prints one PASS/FAIL line per check and exits non-zero on any failure."""
import argparse
import configparser
import json
import os
import subprocess
import sys
import tempfile


def number(text):
    text = text.strip()
    if text in ("true", "false"):
        return int(text == "true")
    mult = 1
    if text[-1] in "Kk":
        mult, text = 1024, text[:-1]
    elif text[-1] in "Mm":
        mult, text = 1024 * 1024, text[:-1]
    return int(text, 0) * mult


def read_config(path):
    cp = configparser.ConfigParser(inline_comment_prefixes=(";",), comment_prefixes=(";", "#"))
    with open(path) as f:
        cp.read_file(f)
    return {k: (v if k == "name" else number(v)) for k, v in cp["timing"].items()}


class Checker:
    def __init__(self):
        self.failed = 0

    def check(self, ok, what):
        print(("PASS " if ok else "FAIL ") + what)
        if not ok:
            self.failed += 1


def run(args, only=None, stats_json=None, extra=(), config=None):
    cmd = [args.pvlab, "run", args.guest, "--timing", "ooo", "--timing-config",
           config or args.config, "--stats"]
    if args.engine:
        cmd += ["--timing-engine", args.engine]
    if only:
        cmd += ["--cmdline", "only=" + only]
    if stats_json:
        cmd += ["--timing-stats", stats_json]
    cmd += list(extra)
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    if p.returncode != 0 or "done" not in p.stdout:
        sys.exit("pvlab failed (%d):\n%s\n%s" % (p.returncode, p.stdout, p.stderr))
    return p.stdout, p.stderr


def lines_of(out, key):
    return [l.split()[1:] for l in out.splitlines() if l.split() and l.split()[0] == key]


def per_insn(fields):
    n1, c1, n2, c2 = (int(x) for x in fields)
    return (c2 - c1) / (n2 - n1)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--pvlab", required=True)
    ap.add_argument("--guest", required=True)
    ap.add_argument("--config", required=True)
    ap.add_argument("--engine", help="fast or cycle (--timing-engine); default: the file's")
    args = ap.parse_args()
    cfg = read_config(args.config)
    name = cfg.get("name", os.path.basename(args.config))
    t = Checker()

    out, _ = run(args, "dep_add")
    got = per_insn(lines_of(out, "dep_add")[0])
    t.check(got == cfg["alu_latency"], "%s dep_add: %.4f cycles per add, expected alu_latency %d"
            % (name, got, cfg["alu_latency"]))

    out, _ = run(args, "dep_imul")
    got = per_insn(lines_of(out, "dep_imul")[0])
    t.check(got == cfg["mul_latency"], "%s dep_imul: %.4f cycles per imul, expected mul_latency %d"
            % (name, got, cfg["mul_latency"]))

    out, _ = run(args, "indep_add")
    got = 1 / per_insn(lines_of(out, "indep_add")[0])
    want = min(cfg["fetch_width"], cfg["issue_width"], cfg["retire_width"], cfg["alu_units"], 6)
    t.check(abs(got - want) < 1e-9, "%s indep_add: IPC %.4f, expected min(widths, ALUs, 6 chains) = %d"
            % (name, got, want))

    out, _ = run(args, "chase")
    chase_on = {int(f[0]): f for f in lines_of(out, "chase")}
    line = 64
    t.check(cfg["l1d_line"] == line and cfg["l2_line"] == line,
            "%s chase: the guest's 64-byte stride is the configured line size" % name)
    for size, nodes, c1, n2, c2 in (tuple(int(x) for x in f) for f in lines_of(out, "chase")):
        got = (c2 - c1) / (n2 - nodes)
        if size <= cfg["l1d_size"] // 2:
            want, level = cfg["l1d_latency"], "L1D"
        elif 2 * cfg["l1d_size"] <= size <= cfg["l2_size"] // 2:
            want, level = cfg["l2_latency"], "L2"
        elif size >= 2 * cfg["l2_size"]:
            want, level = cfg["mem_latency"], "memory"
        else:
            print("     %s chase %7d KiB: %.2f cycles per load (at a level's edge: not checked)"
                  % (name, size // 1024, got))
            continue
        t.check(abs(got - want) <= 0.01 * want,
                "%s chase %7d KiB: %.2f cycles per load, expected the %s latency %d"
                % (name, size // 1024, got, level, want))

    with open(args.config) as f:
        base_text = f.read()
    with tempfile.TemporaryDirectory() as tmp:
        def derived(tag, extra_text):
            path = os.path.join(tmp, tag + ".ini")
            with open(path, "w") as f:
                f.write(base_text + "\n" + extra_text + "\n")
            return path

        no_pf = derived("nopf", "l1d_prefetch = false")
        mlp = min(cfg["l1d_mshrs"], cfg["l2_mshrs"], cfg["lq_size"])
        for tag, text, want_mlp in (("mlp", "l1d_prefetch = false", mlp),
                                    ("mlp1", "l1d_prefetch = false\nl1d_mshrs = 1", 1)):
            out, _ = run(args, "mlp", config=derived(tag, text))
            got = per_insn(lines_of(out, "mlp")[0])
            want = cfg["mem_latency"] / want_mlp
            t.check(abs(got - want) <= 0.01 * want,
                    "%s mlp (%s): %.2f cycles per independent missing load, expected mem_latency %d / %d "
                    "overlapping misses = %.2f" % (name, text.replace("\n", ", "), got, cfg["mem_latency"],
                                                   want_mlp, want))

        # The random chase with the prefetcher off: the same cost per load at every size (within
        # 1 %: a scattered chase repeats a distance now and then, and a stray prefetch may hit).
        out, _ = run(args, "chase", config=no_pf)
        def cost(f):
            size, nodes, c1, n2, c2 = (int(x) for x in f)
            return (c2 - c1) / (n2 - nodes)
        same = [f for f in lines_of(out, "chase")
                if int(f[0]) in chase_on and abs(cost(f) - cost(chase_on[int(f[0])])) <= 0.01 * cost(f)]
        t.check(len(same) == len(chase_on) > 0, "%s chase: the prefetcher takes nothing off the random chase "
                "(%d of %d sizes within 1 %% of their cost with it off)" % (name, len(same), len(chase_on)))

        seq = {}
        for tag, path in (("off", no_pf), ("on", args.config)):
            js_path = os.path.join(tmp, "seq-" + tag + ".json")
            out, _ = run(args, "seqchase", js_path, config=path)
            size, nodes, c1, n2, c2 = (int(x) for x in lines_of(out, "seqchase")[0])
            with open(js_path) as f:
                seq[tag] = ((c2 - c1) / (n2 - nodes), json.load(f))
        off, js_off = seq["off"]
        on, js_on = seq["on"]
        mem = cfg["mem_latency"]
        t.check(abs(off - mem) <= 0.01 * mem, "%s seqchase, prefetcher off: %.2f cycles per load, "
                "expected mem_latency %d" % (name, off, mem))
        floor = mem / min(cfg["l1d_mshrs"], cfg["l2_mshrs"])
        t.check(floor * 0.99 <= on <= mem / 2, "%s seqchase, prefetcher on (degree %d): %.2f cycles "
                "per load, expected between %.2f (the registers' limit) and mem_latency / 2 = %.1f"
                % (name, cfg["l1d_prefetch_degree"], on, floor, mem / 2))
        stalls_on, stalls_off = js_on["cpi_stack"]["dcache_mem"], js_off["cpi_stack"]["dcache_mem"]
        t.check(stalls_on <= stalls_off / 2, "%s seqchase: the CPI stack's dcache_mem drops from %d to "
                "%d cycles with the prefetcher" % (name, stalls_off, stalls_on))
        t.check(js_off["prefetches"] == 0 and js_on["prefetches"] > 0
                and js_on["prefetches_useful"] >= 0.9 * js_on["prefetches"],
                "%s seqchase: %d prefetches issued, %d useful (none with the prefetcher off)"
                % (name, js_on["prefetches"], js_on["prefetches_useful"]))

        stats = {}
        cycles = {}
        for kind in ("branch_fixed", "branch_random"):
            path = os.path.join(tmp, kind + ".json")
            out, _ = run(args, kind, path)
            n, c = (int(x) for x in lines_of(out, kind)[0])
            with open(path) as f:
                stats[kind] = json.load(f)
            cycles[kind] = c
        iters = n
        # Each run calls the loop twice (training, then measured): the extra mispredictions of
        # the random pattern split evenly enough between the two to take half.
        extra = (stats["branch_random"]["conditional_mispredicts"]
                 - stats["branch_fixed"]["conditional_mispredicts"]) / 2
        rate = extra / iters
        t.check(0.4 <= rate <= 0.6, "%s branch: random pattern mispredicts %.1f%% of its runs"
                % (name, 100 * rate))
        fixed = stats["branch_fixed"]["conditional_mispredicts"]
        t.check(fixed < 0.02 * 2 * iters,
                "%s branch: fixed pattern: %d mispredictions in the whole run (start-up and "
                "printing included), under 2%% of the loop's %d branches" % (name, fixed, 2 * iters))
        cost = (cycles["branch_random"] - cycles["branch_fixed"]) / extra
        pen = cfg["mispredict_penalty"]
        t.check(pen <= cost <= pen + 6, "%s branch: %.2f cycles per misprediction, expected the "
                "penalty %d plus at most 6 cycles of resolution" % (name, cost, pen))
        mis = stats["branch_random"]["cpi_stack"]["branch_mispredict"]
        t.check(mis >= pen * stats["branch_random"]["mispredicts"] * 0.9,
                "%s branch: the CPI stack charges %d cycles to mispredictions (%d of them)"
                % (name, mis, stats["branch_random"]["mispredicts"]))

    a_out, a_err = run(args)
    b_out, b_err = run(args)
    cyc = [l for l in a_err.splitlines() if "instructions," in l]
    same = a_out == b_out and [l.split(",")[1] for l in a_err.splitlines() if "instructions," in l] == \
        [l.split(",")[1] for l in b_err.splitlines() if "instructions," in l]
    t.check(same, "%s determinism: two whole runs give the same output and cycles (%s)"
            % (name, cyc[0].split(",")[1].strip() if cyc else "?"))

    print("%d failed" % t.failed)
    return 1 if t.failed else 0


if __name__ == "__main__":
    sys.exit(main())
