#!/usr/bin/env python3
"""Run pvlab's test kernels (guests/pc/tests/) and judge them.

Each kernel prints `PASS name`, `FAIL name: detail` and `SKIP name: reason` lines on COM1,
ends with `DONE n passed, n failed` and leaves through isa-debug-exit: status 33 when all its
checks passed, 35 when one failed. A kernel is good when it exits with 33, printed its DONE
line, and no FAIL line.

Counting: every PASS line counts one pass and every FAIL line one failure; a kernel that ends
any other way (another exit status, a timeout, no DONE line, an exit status that disagrees
with its lines) adds one failure of its own. The last line is `guests: N passed, N failed`.

    run_guests.py --pvlab BUILD/frontend/pvlab [--max-insns N] KERNEL.elf...
    run_guests.py --qemu KERNEL.elf...     (the same kernels on QEMU, for comparison)

Determinism (--determinism): each kernel, and with --demo the built-in demo guest, runs twice
with --stats; the two runs must agree on the exit status, everything the guest printed, and
the instruction, cycle and TLB counts. One pass or failure per guest; the last line is
`determinism: N passed, N failed`. The comparison checks itself first (--self-test runs only
that), and --perturb stops every second run one instruction early, which must be caught.
"""
import argparse
import os
import re
import subprocess
import sys

EXIT_PASS = 33
EXIT_FAIL = 35
# PV kernels (guests/pv/tests/, --pv) power off when every check passed and crash otherwise:
# pvlab then exits 0 or 16.
PV_EXIT_PASS = 0
PV_EXIT_FAIL = 16
DONE = re.compile(r'^DONE (\d+) passed, (\d+) failed$')


def command(args, kernel, max_insns=None):
    if args.qemu:
        cmd = [args.qemu, '-cpu', 'max', '-kernel', kernel, '-serial', 'stdio', '-display', 'none',
               '-no-reboot',
               '-device', 'isa-debug-exit,iobase=0xf4,iosize=4']
        if args.cmdline:
            cmd += ['-append', args.cmdline]
        return cmd
    cmd = [args.pvlab, 'run'] + ([kernel] if kernel else []) + [
        '--max-insns', str(max_insns or args.max_insns), '--debugcon', 'none']
    if args.cmdline:
        cmd += ['--cmdline', args.cmdline]
    if args.vcpus:
        cmd += ['--vcpus', str(args.vcpus)]
    if args.initdomain:
        cmd += ['--initdomain']
    return cmd


# --stats lines: the counts that must repeat exactly (wall time and MIPS are left out).
STATS = [re.compile(r'^pvlab: (\d+) instructions, (\d+) cycles,', re.M),
         re.compile(r'^pvlab: I-TLB (\d+) hits (\d+) misses, D-TLB (\d+) hits (\d+) misses, (\d+) walks', re.M)]
STAT_NAMES = [('instructions', 'cycles'), ('I-TLB hits', 'I-TLB misses', 'D-TLB hits', 'D-TLB misses', 'walks')]


class RunRecord:
    """What one run of a guest produced, as far as determinism is concerned."""

    def __init__(self, status, output, stderr):
        self.status = status
        self.output = output
        self.stats = {}
        for pattern, names in zip(STATS, STAT_NAMES):
            m = pattern.search(stderr)
            if m:
                self.stats.update(zip(names, (int(g) for g in m.groups())))


def compare_runs(a, b):
    """The differences between two runs of the same guest (an empty list when identical)."""
    diffs = []
    if a.status != b.status:
        diffs.append(f'exit status {a.status} vs {b.status}')
    if a.output != b.output:
        la, lb = a.output.splitlines(), b.output.splitlines()
        k = next((i for i, (x, y) in enumerate(zip(la, lb)) if x != y), min(len(la), len(lb)))
        diffs.append(f'output differs from line {k + 1}: '
                     f'{la[k] if k < len(la) else "(end)"!r} vs {lb[k] if k < len(lb) else "(end)"!r}')
    for name in [n for names in STAT_NAMES for n in names]:
        va, vb = a.stats.get(name), b.stats.get(name)
        if va is None or vb is None:
            diffs.append(f'no {name} count in --stats output')
        elif va != vb:
            diffs.append(f'{name} {va} vs {vb}')
    return diffs


def self_test():
    """Check that compare_runs tells equal runs from different ones. Returns failures."""
    stats = ('pvlab: 1000 instructions, 1234 cycles, 0.010 s, 0.1 MIPS\n'
             'pvlab: I-TLB 10 hits 2 misses, D-TLB 30 hits 4 misses, 6 walks\n')
    base = RunRecord(33, 'PASS a\nDONE 1 passed, 0 failed\n', stats)
    cases = [
        ('identical runs', RunRecord(33, base.output, stats.replace('0.010 s, 0.1', '0.020 s, 0.05')), []),
        ('exit status', RunRecord(35, base.output, stats), ['exit status']),
        ('output', RunRecord(33, 'PASS b\nDONE 1 passed, 0 failed\n', stats), ['output differs from line 1']),
        ('shorter output', RunRecord(33, 'PASS a\n', stats), ['output differs from line 2']),
        ('cycles', RunRecord(33, base.output, stats.replace('1234 cycles', '1235 cycles')), ['cycles 1234 vs 1235']),
        ('instructions', RunRecord(33, base.output, stats.replace('1000 instr', '999 instr')), ['instructions 1000 vs 999']),
        ('TLB', RunRecord(33, base.output, stats.replace('4 misses', '5 misses')), ['D-TLB misses 4 vs 5']),
        ('no stats', RunRecord(33, base.output, ''), ['no instructions count', 'no cycles count']),
    ]
    failures = []
    for name, other, expected in cases:
        got = compare_runs(base, other)
        ok = all(any(e in d for d in got) for e in expected) and (bool(got) == bool(expected))
        if not ok:
            failures.append(f'self-test {name}: expected {expected}, got {got}')
    return failures


def run_once(args, kernel, max_insns=None):
    """Run pvlab on `kernel` (None: the built-in demo guest) with --stats, optionally with a
    lower instruction limit; a RunRecord."""
    cmd = command(args, kernel, max_insns) + ['--stats']
    try:
        p = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, timeout=args.timeout)
        return RunRecord(p.returncode, p.stdout.decode(errors='replace'), p.stderr.decode(errors='replace'))
    except subprocess.TimeoutExpired:
        return RunRecord(None, f'timed out after {args.timeout} s', '')


def check_determinism(args, kernel):
    """Run the guest twice; returns (passed, report lines)."""
    name = os.path.basename(kernel) if kernel else '(built-in demo guest)'
    first = run_once(args, kernel)
    limit = None
    if args.perturb and 'instructions' in first.stats:
        limit = max(1, first.stats['instructions'] - 1)
    second = run_once(args, kernel, limit)
    diffs = compare_runs(first, second)
    if first.status is None:
        diffs.insert(0, 'the first run timed out')
    head = (f'guest {name}: deterministic ({first.stats.get("instructions")} instructions, '
            f'{first.stats.get("cycles")} cycles, exit {first.status})') if not diffs else \
        f'guest {name}: NOT deterministic'
    return not diffs, [head] + ['  ' + d for d in diffs]


def determinism(args):
    failures = self_test()
    for f in failures:
        print(f, flush=True)
    passed = failed = 0
    if failures:
        failed += 1
    elif args.self_test:
        print('self-test: compare_runs tells equal runs from different ones')
        passed += 1
    if not args.self_test:
        for k in ([None] if args.demo else []) + args.kernels:
            ok, report = check_determinism(args, k)
            print('\n'.join(report), flush=True)
            passed, failed = passed + ok, failed + (not ok)
    print(f'determinism: {passed} passed, {failed} failed')
    return 0 if failed == 0 else 1


def run_kernel(args, kernel):
    """Returns (passes, failures, report lines)."""
    name = os.path.basename(kernel)
    try:
        p = subprocess.run(command(args, kernel), stdin=subprocess.DEVNULL, capture_output=True,
                           timeout=args.timeout)
        out, err, status = p.stdout.decode(errors='replace'), p.stderr.decode(errors='replace'), p.returncode
    except subprocess.TimeoutExpired as e:
        out = (e.stdout or b'').decode(errors='replace')
        err, status = f'timed out after {args.timeout} s\n', None
    lines = out.splitlines()
    passes = sum(1 for l in lines if l.startswith('PASS '))
    fails = sum(1 for l in lines if l.startswith('FAIL '))
    done = [DONE.match(l) for l in lines if DONE.match(l)]
    problem = None
    exit_pass, exit_fail = (PV_EXIT_PASS, PV_EXIT_FAIL) if args.pv else (EXIT_PASS, EXIT_FAIL)
    if status is None:
        problem = 'timed out'
    elif status not in (exit_pass, exit_fail):
        problem = f'exit status {status}, expected {exit_pass}'
    elif not done:
        problem = 'no DONE line'
    elif (status == exit_pass) != (fails == 0):
        problem = f'exit status {status} disagrees with {fails} FAIL lines'
    report = [f'kernel {name}: {passes} PASS, {fails} FAIL'
              + (f', {problem}' if problem else f', exit {status}')]
    report += ['  ' + l for l in lines]
    if problem or fails:
        report += ['  [stderr] ' + l for l in err.splitlines()[-30:]]
    return passes, fails + (1 if problem else 0), report


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--pvlab', help='the pvlab program')
    ap.add_argument('--qemu', action='store_const', const='qemu-system-i386',
                    help='run on QEMU (qemu-system-i386) instead')
    ap.add_argument('--qemu-binary', dest='qemu', help='run on this QEMU program instead')
    ap.add_argument('--max-insns', type=int, default=500_000_000)
    ap.add_argument('--timeout', type=float, default=240)
    ap.add_argument('--cmdline', default=None, help='kernel command line')
    ap.add_argument('--vcpus', type=int, default=None, help='PV kernels: the number of vcpus')
    ap.add_argument('--initdomain', action='store_true', help='PV kernels: boot as the initial domain')
    ap.add_argument('--determinism', action='store_true',
                    help='run each guest twice and compare output, exit status and counts')
    ap.add_argument('--demo', action='store_true', help='with --determinism: the built-in demo guest too')
    ap.add_argument('--pv', action='store_true', help='PV kernels: exit 0 when all passed, 16 otherwise')
    ap.add_argument('--perturb', action='store_true',
                    help='with --determinism: stop each second run one instruction early (must fail)')
    ap.add_argument('--self-test', action='store_true', help='only check the run comparison itself')
    ap.add_argument('kernels', nargs='*')
    args = ap.parse_args()
    if args.self_test:
        args.determinism = True
    elif not args.pvlab and not args.qemu:
        ap.error('give --pvlab PATH or --qemu')
    if args.determinism:
        if args.qemu and not args.self_test:
            ap.error('--determinism runs pvlab only')
        return determinism(args)
    if not args.kernels:
        ap.error('give the kernels to run')
    total_pass = total_fail = 0
    for k in args.kernels:
        passes, fails, report = run_kernel(args, k)
        total_pass += passes
        total_fail += fails
        print('\n'.join(report), flush=True)
    print(f'guests: {total_pass} passed, {total_fail} failed')
    return 0 if total_fail == 0 else 1


if __name__ == '__main__':
    sys.exit(main())
