#!/usr/bin/env python3
"""What an attached debugger costs: the intloop benchmark guest run plain, through the gdb
stub's Session with nobody attached, with gdb attached and no breakpoints, with one
breakpoint that is never hit, and with one watchpoint. Not part of the test suite (speed is
measured here, never in tests); run it on an otherwise idle machine.

    tests/gdb/overhead.py [--build BUILD] [--iters N] [--runs N]

Each variant runs --runs times, interleaved with the others; the figure is the pvlab
process's CPU time (user + system), which leaves out the time gdb takes to start. The
summary gives the best and the median of each variant against the plain run.
"""
import argparse
import os
import statistics
import subprocess
import time


def listening(port: int) -> bool:
    with open('/proc/net/tcp') as f:
        return any(f':{port:04X} ' in line and line.split()[3] == '0A' for line in f)


def run(pvlab: str, guest: str, iters: int, extra: list, gdb_cmds=None, port=0) -> float:
    p = subprocess.Popen([pvlab, 'run', guest, '--cmdline', f'iters={iters}'] + extra,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if gdb_cmds is not None:
        for _ in range(500):
            if listening(port):
                break
            time.sleep(0.01)
        cmd = ['gdb', '-nx', '-batch', '-ex', f'target remote :{port}']
        for c in gdb_cmds + ['continue']:
            cmd += ['-ex', c]
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=600)
    _, _, ru = os.wait4(p.pid, 0)
    return ru.ru_utime + ru.ru_stime


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument('--build', default='build')
    ap.add_argument('--iters', type=int, default=10000)
    ap.add_argument('--runs', type=int, default=5)
    a = ap.parse_args()
    pvlab = os.path.join(a.build, 'frontend', 'pvlab')
    guest = os.path.join(a.build, 'guests', 'intloop.elf')
    base = 30000 + os.getpid() % 10000
    variants = {
        'plain': lambda r: run(pvlab, guest, a.iters, []),
        'session, no gdb': lambda r: run(pvlab, guest, a.iters, ['--gdb', str(base + 4 * r)]),
        'gdb attached': lambda r: run(pvlab, guest, a.iters, ['--gdb', str(base + 4 * r + 1), '--gdb-wait'],
                                      [], base + 4 * r + 1),
        'gdb + 1 breakpoint': lambda r: run(pvlab, guest, a.iters, ['--gdb', str(base + 4 * r + 2), '--gdb-wait'],
                                            ['break *0x7ffff000'], base + 4 * r + 2),
        'gdb + 1 watchpoint': lambda r: run(pvlab, guest, a.iters, ['--gdb', str(base + 4 * r + 3), '--gdb-wait'],
                                            ['watch *(int *)0x7ffff000'], base + 4 * r + 3),
    }
    times = {k: [] for k in variants}
    for r in range(a.runs):
        for k, f in variants.items():
            times[k].append(f(r))
    best0, med0 = min(times['plain']), statistics.median(times['plain'])
    for k, t in times.items():
        print(f'{k:20s} best {min(t):.3f} s ({100 * (min(t) / best0 - 1):+.1f}%)  '
              f'median {statistics.median(t):.3f} s ({100 * (statistics.median(t) / med0 - 1):+.1f}%)')


if __name__ == '__main__':
    main()
