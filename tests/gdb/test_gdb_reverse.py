#!/usr/bin/env python3
"""Reverse debugging with the real gdb through pvlab's remote stub (`--reverse`).

pvlab runs the demo guest with `--gdb PORT --gdb-wait --reverse` and a small snapshot
interval, so that going back restores snapshots and replays. gdb (batch mode) breaks on
`main`, steps forward N instructions printing EIP, EAX and ESP after each, then
reverse-steps N times and must see the same values in reverse order, and the instruction
and cycle counters (`monitor counters`) must be back at main's. Then a watchpoint runs the
guest far on (into the sieve), reverse-continue must come back to the breakpoint at main
with main's counters, reverse-continue with no breakpoint must reach the start of the
history (gdb: "No more reverse-execution history", instruction 0), and the guest must run
from there to its normal end. The same again under `--timing ooo`, with the fast engine and
with the cycle engine. (Two vcpus:
test_gdb_reverse_smp.py.)
Each check prints PASS or FAIL; the last line is `gdb-reverse: N passed, N failed`.

    test_gdb_reverse.py --pvlab BUILD/frontend/pvlab --elf BUILD/guests/hello.elf

Exit status 77 (skipped) when gdb is not installed.
"""
import argparse
import re
import subprocess
import sys

from gdb_harness import Checks, find_gdb, free_port, print_state, run_gdb_batch, state_in, wait_listening

TIMEOUT = 150
STEPS = 24



def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument('--pvlab', required=True)
    ap.add_argument('--elf', required=True)
    a = ap.parse_args()
    gdb = find_gdb()
    if not gdb:
        return 77
    check = Checks('gdb-reverse')

    def reverse_run(label: str, extra: list) -> bool:
        port = free_port(7)
        pvlab = subprocess.Popen([a.pvlab, 'run', a.elf, '-m', '8', '--gdb', str(port), '--gdb-wait',
                                  '--reverse', '--reverse-interval', '5000'] + extra,
                                 stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True)
        try:
            if not wait_listening(port, pvlab, 30):
                check(label + 'pvlab listens', False, pvlab.stderr.read() if pvlab.poll() is not None else '')
                return False
            def state(tag: str) -> str:
                return print_state(tag, ['$pc', '$eax', '$esp'])
            cmds = ['set pagination off', 'set confirm off', f'file {a.elf}', f'target remote :{port}',
                    'break main', 'continue', state('FWD0'), 'monitor counters']
            for k in range(1, STEPS + 1):
                cmds += ['stepi', state(f'FWD{k}')]
            cmds += ['monitor counters']
            for k in range(STEPS - 1, -1, -1):
                cmds += ['reverse-stepi', state(f'REV{k}')]
            cmds += ['monitor counters',
                     'watch *((char *)&composite + 4)', 'continue', state('WATCH'), 'delete 2',
                     'reverse-continue', state('RC'), 'monitor counters',
                     'delete', 'reverse-continue', state('BEGIN'), 'monitor counters',
                     'continue']
            r = run_gdb_batch(gdb, cmds, TIMEOUT)
            if r is None:
                check(label + 'gdb finishes in time', False, f'{TIMEOUT} s')
            out, err = r or ('', '')

            def state_of(tag: str):
                return state_in(out, tag, 3)

            fwd = [state_of(f'FWD{k}') for k in range(STEPS + 1)]
            rev = [state_of(f'REV{k}') for k in range(STEPS)]
            check(label + 'forward steps recorded', all(fwd) and len({f[0] for f in fwd}) > 4,
                  str(fwd[:4]))
            bad = [k for k in range(STEPS) if rev[k] is None or rev[k] != fwd[k]]
            check(label + f'{STEPS} reverse-stepi give back eip, eax, esp exactly', not bad,
                  'first mismatch at step %s: forward %s, reverse %s' %
                  ((bad[0], fwd[bad[0]], rev[bad[0]]) if bad else ('', '', '')))
            counters = [(int(i), int(c)) for i, c in re.findall(r'instructions (\d+)\s+cycles (\d+)', err)]
            check(label + 'five counter readings', len(counters) == 5, str(counters))
            if len(counters) == 5:
                main_c, fwd_c, rev_c, rc_c, begin_c = counters
                check(label + f'forward {STEPS} steps count {STEPS} instructions', fwd_c[0] - main_c[0] == STEPS,
                      f'{main_c} -> {fwd_c}')
                check(label + 'reverse steps restore instructions and cycles', rev_c == main_c, f'{main_c} vs {rev_c}')
                check(label + 'reverse-continue restores instructions and cycles', rc_c == main_c, f'{main_c} vs {rc_c}')
                check(label + 'start of history is instruction 0', begin_c[0] == 0, str(begin_c))
            watch, rc = state_of('WATCH'), state_of('RC')
            check(label + 'the watchpoint ran the guest on', 'Hardware watchpoint 2' in out and watch is not None
                  and watch != fwd[0], str(watch))
            check(label + 'reverse-continue stops at the breakpoint on main', rc == fwd[0] and
                  re.search(r'Breakpoint 1, (0x[0-9a-f]+ in )?main', out) is not None, f'{rc} vs {fwd[0]}')
            check(label + 'reverse-continue reaches the start of the history',
                  'No more reverse-execution history' in out, '')
            check(label + 'the guest runs from the start to its end', re.search(r'exited normally|exited with code 00', out)
                  is not None)
            try:
                rc_exit = pvlab.wait(timeout=30)
            except subprocess.TimeoutExpired:
                rc_exit = None
            check(label + 'pvlab exits with the guest status', rc_exit == 0, str(rc_exit))
            pv_out = pvlab.stdout.read() if pvlab.stdout else ''
            check(label + 'guest output intact', 'primes below 10000: 1229' in pv_out, pv_out[-200:])
        finally:
            if pvlab.poll() is None:
                pvlab.kill()
                pvlab.wait()
        return True

    # The atomic model, then the out-of-order one under each engine (its state is in the
    # reverse history's snapshots, so the cycle counter comes back exactly too).
    if reverse_run('', []) and reverse_run('--timing ooo: ', ['--timing', 'ooo']):
        reverse_run('--timing ooo --timing-engine cycle: ', ['--timing', 'ooo', '--timing-engine', 'cycle'])

    return check.summary()


if __name__ == '__main__':
    sys.exit(main())
