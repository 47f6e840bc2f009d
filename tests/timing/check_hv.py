#!/usr/bin/env python3
"""Runs the PV hypervisor-cost microbenchmark (guests/pv/timing/hvbench.c) under --timing ooo
with one core configuration, and checks what it prints and the model's JSON statistics against
what the configuration says:

  hypervisor   the `hypervisor` entry of the CPI stack is exactly
               entries * (hv_entry + hv_exit) + hypercalls * hv_hypercall + bounces * hv_bounce
  batch        N updates one call each cost at least (N - 1) * (hv_entry + hv_exit +
               hv_hypercall) more than the same N in one call, and at most that plus a small
               guest-side cost per call; raising hv_entry by D (a derived configuration)
               widens the gap by (N - 1) * D
  flush        with hv_flush_on_entry = true every entry flushes the TLBs: both ways cost
               more, the D-TLB misses more, the model counts one flush per entry
  events       an unmasked event (callback through a bounce frame) costs more than a masked
               one (flags only), by at least hv_bounce
  functions    the per-function CPI stacks add up to the run; the hypercall page holds the
               most hypervisor cycles
  tlb stride   a chase over more pages than the D-TLB holds costs, per load, the walk
               (2 PAE table reads * walk_cycles_per_level) more than one over 8 pages
Plus determinism: two runs print the same figures.
Prints one PASS/FAIL line per check and exits non-zero on any failure."""
import argparse
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from check_microbench import Checker, read_config  # noqa: E402

# Guest instructions around one more mmu_update call (loop, argument set-up, the hypercall
# page's stub, INT and IRET themselves): a bound, not a figure the model promises.
GUEST_PER_CALL_MAX = 200


def run(args, config_text, tmp, tag):
    cfg_path = os.path.join(tmp, tag + ".ini")
    with open(cfg_path, "w") as f:
        f.write(config_text)
    stats = os.path.join(tmp, tag + ".json")
    cmd = [args.pvlab, "run", args.guest, "--timing", "ooo", "--timing-config", cfg_path,
           "--timing-stats", stats, "--stats"]
    if args.engine:
        cmd += ["--timing-engine", args.engine]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    if p.returncode != 0 or "hvbench chase pages 256" not in p.stdout:
        sys.exit("pvlab failed (%d):\n%s\n%s" % (p.returncode, p.stdout, p.stderr))
    figures = {}
    for line in p.stdout.splitlines():
        w = line.split()
        if len(w) > 2 and w[0] == "hvbench":
            key = w[1] if w[1] != "chase" else "chase" + w[3]
            figures[key] = {w[i]: int(w[i + 1]) for i in range(1, len(w) - 1) if w[i + 1].isdigit()}
    with open(stats) as f:
        js = json.load(f)
    return figures, js, p.stdout


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--pvlab", required=True)
    ap.add_argument("--guest", required=True)
    ap.add_argument("--config", required=True)
    ap.add_argument("--engine", help="fast or cycle (--timing-engine); default: the file's")
    args = ap.parse_args()
    cfg = read_config(args.config)
    with open(args.config) as f:
        base_text = f.read()
    t = Checker()
    with tempfile.TemporaryDirectory() as tmp:
        base, js, out = run(args, base_text, tmp, "base")
        again, _, out2 = run(args, base_text, tmp, "again")
        t.check(out == out2, "two runs print the same figures")

        u = base["updates"]
        n = u["updates"]
        t.check(u["ok"] == 1, "every mmu_update succeeded")
        per_call = cfg["hv_entry"] + cfg["hv_exit"] + cfg["hv_hypercall"]
        gap = u["single"] - u["batch"]
        lo, hi = (n - 1) * per_call, (n - 1) * (per_call + GUEST_PER_CALL_MAX)
        t.check(lo <= gap <= hi, "batch: %d single calls cost %d cycles more than one batch of %d, "
                "expected %d..%d (%d per extra call from the configuration)" % (n, gap, n, lo, hi, per_call))

        hv = js["cpi_stack"]["hypervisor"]
        want = (js["hv_entries"] * (cfg["hv_entry"] + cfg["hv_exit"]) + js["hv_hypercalls"] * cfg["hv_hypercall"]
                + js["hv_bounces"] * cfg["hv_bounce"])
        t.check(hv == want and hv > 0, "hypervisor CPI entry %d cycles == %d from %d entries, %d hypercalls, "
                "%d bounces" % (hv, want, js["hv_entries"], js["hv_hypercalls"], js["hv_bounces"]))
        t.check(sum(js["cpi_stack"].values()) == js["cycles"], "the CPI stack adds up to the cycles")
        t.check(js["hv_flushes"] == 0, "no flushes on entry by default")
        fns = js.get("functions", [])
        t.check(sum(f["cycles"] for f in fns) == js["cycles"] and sum(f["instructions"] for f in fns) == js["instructions"],
                "per-function stacks add up to the run's cycles and instructions (%d functions)" % len(fns))
        by_name = {f["name"]: f for f in fns}
        hv_fn = max(fns, key=lambda f: f["cpi_stack"]["hypervisor"]) if fns else {"name": "-"}
        t.check(hv_fn["name"] == "hypercall_page" and "main" in by_name,
                "per-function: the hypercall page holds the most hypervisor cycles (%s), main is named"
                % hv_fn["name"])
        t.check(out.count("pvlab: timing function ") == 0, "function lines go to stderr, not the guest's output")

        d = 1000
        more, _, _ = run(args, base_text + "\nhv_entry = %d\n" % (cfg["hv_entry"] + d), tmp, "entry")
        gap2 = more["updates"]["single"] - more["updates"]["batch"]
        t.check(abs((gap2 - gap) - (n - 1) * d) <= n, "batch: hv_entry + %d widens the gap by %d, "
                "expected %d" % (d, gap2 - gap, (n - 1) * d))

        fl, fjs, _ = run(args, base_text + "\nhv_flush_on_entry = true\n", tmp, "flush")
        fu = fl["updates"]
        t.check(fu["single"] > u["single"] and fu["batch"] > u["batch"],
                "flush on entry: single %d > %d and batch %d > %d cycles" % (fu["single"], u["single"], fu["batch"], u["batch"]))
        t.check(fu["single"] - fu["batch"] > gap, "flush on entry widens the batch gap (%d > %d)"
                % (fu["single"] - fu["batch"], gap))
        t.check(fjs["hv_flushes"] == fjs["hv_entries"] > 0, "one flush per entry (%d flushes, %d entries)"
                % (fjs["hv_flushes"], fjs["hv_entries"]))
        t.check(fjs["dtlb_misses"] > js["dtlb_misses"] and fjs["cpi_stack"]["tlb_walk"] > js["cpi_stack"]["tlb_walk"],
                "flushed entries miss: D-TLB misses %d > %d, walk cycles %d > %d" % (
                    fjs["dtlb_misses"], js["dtlb_misses"], fjs["cpi_stack"]["tlb_walk"], js["cpi_stack"]["tlb_walk"]))

        e = base["events"]
        t.check(e["ok"] == 1 and e["callbacks"] == 4, "events: the callback ran for both unmasked sends and "
                "the polls found both masked ones (%d)" % e["callbacks"])
        t.check(e["unmasked"] >= e["masked"] + cfg["hv_bounce"], "events: unmasked %d >= masked %d + hv_bounce %d"
                % (e["unmasked"], e["masked"], cfg["hv_bounce"]))

        small, big = base["chase8"], base["chase256"]
        per_small = small["cycles"] / small["loads"]
        per_big = big["cycles"] / big["loads"]
        walk = 2 * cfg["walk_cycles_per_level"]
        t.check(abs((per_big - per_small) - walk) <= 0.5, "TLB stride: %.2f cycles per load over 256 pages, "
                "%.2f over 8: the walk costs %.2f, expected %d" % (per_big, per_small, per_big - per_small, walk))
    if t.failed:
        sys.exit(1)


if __name__ == "__main__":
    main()
