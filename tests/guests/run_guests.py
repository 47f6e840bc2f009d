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
"""
import argparse
import os
import re
import subprocess
import sys

EXIT_PASS = 33
EXIT_FAIL = 35
DONE = re.compile(r'^DONE (\d+) passed, (\d+) failed$')


def command(args, kernel):
    if args.qemu:
        cmd = [args.qemu, '-cpu', 'max', '-kernel', kernel, '-serial', 'stdio', '-display', 'none',
               '-no-reboot',
               '-device', 'isa-debug-exit,iobase=0xf4,iosize=4']
        if args.cmdline:
            cmd += ['-append', args.cmdline]
        return cmd
    cmd = [args.pvlab, 'run', kernel, '--max-insns', str(args.max_insns), '--debugcon', 'none']
    if args.cmdline:
        cmd += ['--cmdline', args.cmdline]
    return cmd


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
    if status is None:
        problem = 'timed out'
    elif status not in (EXIT_PASS, EXIT_FAIL):
        problem = f'exit status {status}, expected {EXIT_PASS}'
    elif not done:
        problem = 'no DONE line'
    elif (status == EXIT_PASS) != (fails == 0):
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
    ap.add_argument('kernels', nargs='+')
    args = ap.parse_args()
    if not args.pvlab and not args.qemu:
        ap.error('give --pvlab PATH or --qemu')
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
