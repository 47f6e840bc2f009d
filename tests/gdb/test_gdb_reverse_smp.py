#!/usr/bin/env python3
"""Reverse debugging of a PV domain with two vcpus with the real gdb (`--vcpus 2 --reverse`).

pvlab runs the vcpus test kernel with two vcpus under `--gdb PORT --gdb-wait --reverse` and a
small snapshot interval. gdb (batch mode) breaks on `second_main`, vcpu 1's first
instruction: the stop must be thread 2. With `thread 2` selected it steps N instructions
printing the thread, EIP, ESP and EAX after each and thread 1's EIP, then reverse-steps N
times and must see the same values in reverse order, thread 1 unchanged. reverse-continue
with a breakpoint on `kputc` (only vcpu 0 prints) must stop on thread 1 in kputc; forward to
`second_main` again and a few steps on, reverse-continue must come back to it on thread 2;
then the domain must run to its normal end with every check of the kernel passing.
Each check prints PASS or FAIL; the last line is `gdb-reverse-smp: N passed, N failed`.

    test_gdb_reverse_smp.py --pvlab BUILD/frontend/pvlab --elf BUILD/guests/pv-test-vcpus.elf

Exit status 77 (skipped) when gdb is not installed.
"""
import argparse
import re
import subprocess
import sys

from gdb_harness import Checks, find_gdb, free_port, run_gdb_batch, wait_listening

TIMEOUT = 150
STEPS = 16


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument('--pvlab', required=True)
    ap.add_argument('--elf', required=True)
    a = ap.parse_args()
    gdb = find_gdb()
    if not gdb:
        return 77
    check = Checks('gdb-reverse-smp')

    port = free_port(11)
    pvlab = subprocess.Popen([a.pvlab, 'run', a.elf, '-m', '8', '--vcpus', '2', '--gdb', str(port),
                              '--gdb-wait', '--reverse', '--reverse-interval', '5000'],
                             stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    try:
        if not wait_listening(port, pvlab, 30):
            check('pvlab listens', False, pvlab.stderr.read() if pvlab.poll() is not None else '')
            return 1

        def state(tag: str) -> list:
            # This thread's registers, then thread 1's EIP (gdb switches with Hg and back).
            return ['printf "' + tag + ' %d %x %x %x\\n", $_thread, $pc, $esp, $eax',
                    'thread 1', 'printf "' + tag + 'T1 %x\\n", $pc', 'thread 2']
        cmds = ['set pagination off', 'set confirm off', f'file {a.elf}', f'target remote :{port}',
                'break second_main', 'continue', 'printf "HIT %d %x\\n", $_thread, $pc', 'delete',
                'thread 2'] + state('FWD0')
        for k in range(1, STEPS + 1):
            cmds += ['stepi'] + state(f'FWD{k}')
        cmds += ['thread 2']
        for k in range(STEPS - 1, -1, -1):
            cmds += ['reverse-stepi'] + state(f'REV{k}')
        cmds += ['break kputc', 'reverse-continue', 'printf "RC1 %d %x\\n", $_thread, $pc', 'delete',
                 'break second_main', 'continue', 'printf "AGAIN %d %x\\n", $_thread, $pc',
                 'stepi', 'stepi', 'stepi', 'reverse-continue', 'printf "RC2 %d %x\\n", $_thread, $pc',
                 'delete', 'continue']
        r = run_gdb_batch(gdb, cmds, TIMEOUT)
        if r is None:
            check('gdb finishes in time', False, f'{TIMEOUT} s')
        out, err = r or ('', '')
        syms = {}
        nm = subprocess.run(['nm', a.elf], capture_output=True, text=True)
        for line in nm.stdout.splitlines():
            f = line.split()
            if len(f) == 3:
                syms[f[2]] = int(f[0], 16)

        def state_of(tag: str):
            m = re.search(rf'^{tag} (\d+) ([0-9a-f]+) ([0-9a-f]+) ([0-9a-f]+)$', out, re.M)
            t1 = re.search(rf'^{tag}T1 ([0-9a-f]+)$', out, re.M)
            if not m or not t1:
                return None
            return (int(m.group(1)),) + tuple(int(x, 16) for x in m.groups()[1:]) + (int(t1.group(1), 16),)

        def stop_of(tag: str):
            m = re.search(rf'^{tag} (\d+) ([0-9a-f]+)$', out, re.M)
            return (int(m.group(1)), int(m.group(2), 16)) if m else None

        second, kputc = syms.get('second_main'), syms.get('kputc')
        check('the breakpoint on second_main stops thread 2', stop_of('HIT') == (2, second), str(stop_of('HIT')))
        fwd = [state_of(f'FWD{k}') for k in range(STEPS + 1)]
        rev = [state_of(f'REV{k}') for k in range(STEPS)]
        check('forward steps of thread 2 recorded', all(fwd) and len({f[1] for f in fwd}) > 4
              and all(f[0] == 2 for f in fwd), str(fwd[:3]))
        check('thread 1 waits while thread 2 steps', all(fwd) and len({f[4] for f in fwd}) == 1, str(fwd[:3]))
        bad = [k for k in range(STEPS) if rev[k] is None or rev[k] != fwd[k]]
        check(f'{STEPS} reverse-stepi of thread 2 give back both threads exactly', not bad,
              'first mismatch at step %s: forward %s, reverse %s' %
              ((bad[0], fwd[bad[0]], rev[bad[0]]) if bad else ('', '', '')))
        check('reverse-continue stops on thread 1 in kputc', stop_of('RC1') == (1, kputc),
              f'{stop_of("RC1")}, kputc {kputc}')
        check('forward again reaches second_main on thread 2', stop_of('AGAIN') == (2, second), str(stop_of('AGAIN')))
        check('reverse-continue comes back to second_main on thread 2', stop_of('RC2') == (2, second),
              str(stop_of('RC2')))
        check('the domain runs to its end', re.search(r'exited normally|exited with code', out) is not None)
        try:
            rc_exit = pvlab.wait(timeout=60)
        except subprocess.TimeoutExpired:
            rc_exit = None
        check('pvlab exits with the guest status 0', rc_exit == 0, str(rc_exit))
        pv_out = pvlab.stdout.read() if pvlab.stdout else ''
        done = re.search(r'DONE (\d+) passed, (\d+) failed', pv_out)
        check('every check of the kernel passes, output printed once',
              done is not None and done.group(2) == '0' and pv_out.count('PASS second-runs') == 1,
              pv_out[-300:])
    finally:
        if pvlab.poll() is None:
            pvlab.kill()
            pvlab.wait()
    return check.summary()


if __name__ == '__main__':
    sys.exit(main())
