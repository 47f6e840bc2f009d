#!/usr/bin/env python3
"""Debugging a recording with the real gdb: `pvlab replay REC --gdb PORT` (docs/replay.md).

The echo ROM (tests/frontend/asm/rom_echo.S) is recorded with a line on stdin. The recording
is then served to gdb with `pvlab replay --gdb PORT --gdb-wait --reverse-interval 5000`. gdb
(batch mode) breaks on the ROM's `cmp $0x0a, %al`, the first instruction after a byte was
taken from COM1 (so the recorded input has been fed), and reads EIP, EAX and EDX. It then
reverse-steps N instructions (back over the `in` that took the byte, through snapshot restores
and re-runs) and steps N forward again: every state on the way forward must equal the one seen
on the way back, and the last one the breakpoint's, with the byte back in AL. Then the ROM runs
to its end: pvlab's output must be the recorded run's (the line echoed once), pvlab must say
it matches the recording's, the run must end at the recorded instruction count and pvlab exit
with the recorded status (1: isa-debug-exit 0). The same again for a recording made under
--timing ooo.
Each check prints PASS or FAIL; the last line is `gdb-replay: N passed, N failed`.

    test_gdb_replay.py --pvlab BUILD/frontend/pvlab --echo-rom BUILD/tests/frontend/fe_rom_echo.bin

Exit status 77 (skipped) when gdb is not installed.
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile

from gdb_harness import Checks, find_gdb, free_port, print_state, run_gdb_batch, state_in, wait_listening

TIMEOUT = 150
STEPS = 12
LINE = b'hello pvlab\n'
ROM_BASE = 0xFF000   # where the 4 KiB test ROMs are mapped below 1 MiB (rom.inc)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument('--pvlab', required=True)
    ap.add_argument('--echo-rom', required=True)
    a = ap.parse_args()
    gdb = find_gdb()
    if not gdb:
        return 77
    check = Checks('gdb-replay')

    rom = open(a.echo_rom, 'rb').read()
    at = rom.find(b'\x3c\x0a')   # cmp $0x0a, %al
    if at < 0:
        check('the echo ROM has its cmp $0x0a, %al', False)
        return 1
    bp = ROM_BASE + at
    tmp = tempfile.mkdtemp(prefix='pvlab-gdb-replay-')
    def session(label: str, extra: list) -> None:
        rec = os.path.join(tmp, f'echo{len(extra)}.pvr')
        r = subprocess.run([a.pvlab, 'record', '-o', rec, '--bios', a.echo_rom, '--snapshot-interval', '100000',
                            '--max-insns', '50000000'] + extra, input=LINE, capture_output=True, timeout=120)
        recorded_out = r.stdout
        check(label + 'record the echo ROM with a line on stdin', r.returncode == 1 and LINE in recorded_out,
              f'rc {r.returncode}: {r.stdout!r} {r.stderr[-300:]!r}')

        port = free_port(7)
        pvlab = subprocess.Popen([a.pvlab, 'replay', rec, '--gdb', str(port), '--gdb-wait',
                                  '--reverse-interval', '5000'],
                                 stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            if not wait_listening(port, pvlab, 30):
                check(label + 'pvlab replay --gdb listens', False,
                      pvlab.stderr.read().decode() if pvlab.poll() is not None else '')
                return

            def state(tag: str) -> str:
                return print_state(tag, ['$pc', '$eax', '$edx'])
            cmds = ['set pagination off', 'set confirm off', 'set architecture i386',
                    f'target remote :{port}', f'break *{bp:#x}', 'continue', 'delete',
                    state('AT'), 'monitor counters']
            for k in range(1, STEPS + 1):
                cmds += ['reverse-stepi', state(f'REV{k}')]
            cmds += ['monitor counters']
            for k in range(STEPS - 1, -1, -1):
                cmds += ['stepi', state(f'FWD{k}')]
            cmds += ['monitor counters', 'continue']
            r = run_gdb_batch(gdb, cmds, TIMEOUT)
            if r is None:
                check(label + 'gdb finishes in time', False, f'{TIMEOUT} s')
            out, err = r or ('', '')

            def state_of(tag: str):
                return state_in(out, tag, 3)

            at_bp = state_of('AT')
            check(label + 'the breakpoint after the input was read is hit with the first byte in AL',
                  at_bp is not None and (at_bp[1] & 0xff) == LINE[0], str(at_bp))
            rev = [at_bp] + [state_of(f'REV{k}') for k in range(1, STEPS + 1)]
            fwd = [state_of(f'FWD{k}') for k in range(STEPS)]
            check(label + f'{STEPS} reverse-stepi move back', all(rev) and len({s[0] for s in rev}) > 3, str(rev[:5]))
            check(label + 'reverse-stepi went back over the byte being read',
                  all(rev) and any((s[1] & 0xff) != LINE[0] for s in rev[1:]), str(rev))
            bad = [k for k in range(STEPS) if fwd[k] is None or fwd[k] != rev[k]]
            check(label + f'{STEPS} stepi forward again give the same eip, eax, edx', not bad,
                  'first mismatch at %s: back %s, forward %s' %
                  ((bad[0], rev[bad[0]], fwd[bad[0]]) if bad else ('', '', '')))
            counters = [(int(i), int(c)) for i, c in re.findall(r'instructions (\d+)\s+cycles (\d+)', err)]
            check(label + 'three counter readings', len(counters) == 3, str(counters))
            if len(counters) == 3:
                check(label + f'reverse {STEPS} steps count back {STEPS} instructions',
                      counters[0][0] - counters[1][0] == STEPS, str(counters))
                check(label + 'forward again restores instructions and cycles', counters[2] == counters[0], str(counters))
            try:
                rc_exit = pvlab.wait(timeout=60)
            except subprocess.TimeoutExpired:
                rc_exit = None
            check(label + 'the ROM runs to its end (exit status 1, as recorded)', rc_exit == 1, str(rc_exit))
            pv_out = pvlab.stdout.read() if pvlab.stdout else b''
            pv_err = pvlab.stderr.read().decode() if pvlab.stderr else ''
            check(label + 'the output is the recorded run\'s, the line echoed exactly once',
                  pv_out == recorded_out and pv_out.count(LINE) == 1, f'{pv_out!r} vs {recorded_out!r}')
            check(label + 'pvlab says the output matches the recording',
                  'output matches the recording' in pv_err, pv_err[-400:])
            m = re.search(r'ended at instruction (\d+) \(recorded: (\d+)\)', pv_err)
            check(label + 'the run ends at the recorded instruction count', m is not None and m.group(1) == m.group(2),
                  pv_err[-400:])
        finally:
            if pvlab.poll() is None:
                pvlab.kill()
                pvlab.wait()

    # The atomic model, then the out-of-order one (the model's state is in every in-memory
    # snapshot, so the cycle counter comes back exactly too).
    session('', [])
    session('--timing ooo: ', ['--timing', 'ooo'])
    shutil.rmtree(tmp, ignore_errors=True)
    return check.summary()


if __name__ == '__main__':
    sys.exit(main())
