#!/usr/bin/env python3
"""A recording opened in the GUI debugger (`pvlab debug run.pvr`) under Xvfb.

Two recordings: the echo ROM (tests/frontend/asm/rom_echo.S) with a line on stdin, and the PV
demo guest. For each, two scripted sessions (ui/script.h):
  - the first opens the recording, says where it is (instruction 0 of the recorded end), runs
    to the end (the output must be the recording's: the guest's output hashes to the recorded
    hash, the console holds as many bytes as `pvlab record` printed, every checkpoint compared
    and equal, the end equal), then goes to a point on the timeline (the middle; for the echo ROM
    also just after the line was read), steps back three instructions and forward three again;
  - the second opens it afresh and goes straight to that point minus three (a run forward
    from the start): registers and counters there and three steps later must be the first
    session's.
On the echo ROM, a breakpoint after each byte read: forward it sees the line's first byte;
from the end, reverse continue sees the last byte, then the one before.
The PV kernel recorded under `--timing ooo` goes through the same session as the others.
A two-vcpu PV recording whose image was moved is refused without `--image`, and with it runs
forward (no reverse history) to the recorded end with every checkpoint equal.
A recording with one checkpoint's hash altered (checksum re-sealed) runs to its end with that
checkpoint named as different on the replay line and exit status 22 (the rest equal). A
recording whose bytes were damaged past its magic must be refused by `pvlab debug` with exit
status 2 and a message that names the recording, before any window opens.

    test_ui_replay.py --pvlab BUILD/frontend/pvlab --echo-rom BUILD/tests/frontend/fe_rom_echo.bin \
                      --pv-elf BUILD/guests/pv-demo.elf --vcpus-elf BUILD/guests/pv-test-vcpus.elf [--out DIR]

Exit status 77 (skipped) only when Xvfb is missing or cannot start; the last line is
`ui-replay: N passed, N failed`.
"""
import argparse
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import test_ui  # noqa: E402  (Xvfb, running a script, reading what it printed)
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'frontend'))
from test_replay import reseal, sections  # noqa: E402  (altering a recording, checksum re-sealed)

LINE = b'hello pvlab\n'
ROM_BASE = 0xFF000   # where the 4 KiB test ROMs are mapped below 1 MiB (rom.inc)
REGS = ['eip', 'eax', 'ecx', 'edx', 'esp', 'eflags']
check = test_ui.check


def record(args, name, cmd, stdin):
    rec = os.path.join(args.out, name + '.pvr')
    r = subprocess.run([args.pvlab, 'record', '-o', rec] + cmd, input=stdin, capture_output=True, timeout=300)
    check(os.path.exists(rec) and b'recorded' in r.stderr,
          f'{name}: pvlab record (rc {r.returncode}: {r.stderr.decode(errors="replace")[-300:]})')
    info = subprocess.run([args.pvlab, 'replay', '--info', rec], capture_output=True, text=True, timeout=60).stdout
    m = re.search(r'^end: cycle (\d+), (\d+) instructions', info, re.M)
    cps = re.search(r'^checkpoints: (\d+)', info, re.M)
    check(m is not None and cps is not None, f'{name}: pvlab replay --info names the end ({info!r})')
    if not m or not cps:
        return None
    return rec, r.stdout, int(m.group(1)), int(m.group(2)), int(cps.group(1))


def state_at(out, n):
    """The registers and counters the script printed, in order: a list of dicts."""
    regs = {r: test_ui.reg_values(out, r) for r in REGS}
    counters = re.findall(r'^script: counters insns=(\d+) cycles=(\d+)', out, re.M)
    states = []
    for k in range(n):
        if k >= len(counters) or any(k >= len(regs[r]) for r in REGS):
            return None
        s = {r: regs[r][k] for r in REGS}
        s['insns'], s['cycles'] = int(counters[k][0]), int(counters[k][1])
        states.append(s)
    return states


def replays(out):
    return [dict(kv.split('=') for kv in v.split()) for v in test_ui.values(out, 'replay ')]


def print_state():
    return ''.join(f'print reg {r}\n' for r in REGS) + 'print counters\n'


def session(args, display, name, recorded, mid):
    rec, out_bytes, total_cycles, total, checkpoints = recorded
    name = f'{name}@{mid}'
    first = test_ui.run_debugger(args, display, rec, f"""
print replay
run
print replay
print console
goto {mid}
{print_state()}
back 3
{print_state()}
step 3
{print_state()}
quit
""", name + '-first')
    if first is None:
        return
    rp = replays(first)
    check(len(rp) == 2, f'{name}: the script printed the replay twice ({rp})')
    if len(rp) != 2:
        return
    check(rp[0]['insns'] == '0' and rp[0]['total'] == str(total) and rp[0]['total_cycles'] == str(total_cycles) and
          rp[0]['end'] == 'pending',
          f'{name}: opened at instruction 0 of {total} (cycle 0 of {total_cycles}): {rp[0]}')
    check(rp[1]['insns'] == str(total) and rp[1]['cycles'] == str(total_cycles),
          f'{name}: the run ends where the recording ends ({rp[1]})')
    check(rp[1]['output'] == 'matches' and rp[1]['end'] == 'same',
          f'{name}: the output and the end are the recording\'s ({rp[1]})')
    check(rp[1]['checkpoints'] == str(checkpoints) and rp[1]['compared'] == str(checkpoints) and rp[1]['differ'] == '0',
          f'{name}: every checkpoint compared and equal ({rp[1]})')
    con = test_ui.values(first, 'console ')
    check(con == [f'{len(out_bytes)} bytes'], f'{name}: the console holds the recorded output ({con}, '
          f'{len(out_bytes)} bytes recorded)')
    a = state_at(first, 3)
    check(a is not None, f'{name}: the first session printed three states')
    if a is None:
        return
    check(a[0]['insns'] == mid, f'{name}: the timeline went to instruction {mid} ({a[0]["insns"]})')
    check(a[1]['insns'] == mid - 3 and a[1]['cycles'] < a[0]['cycles'],
          f'{name}: three steps back ({a[1]["insns"]}, cycles {a[1]["cycles"]} < {a[0]["cycles"]})')
    check(a[2] == a[0], f'{name}: three steps forward again give the same registers and counters ({a[2]} vs {a[0]})')

    second = test_ui.run_debugger(args, display, rec, f"""
goto {mid - 3}
{print_state()}
step 3
{print_state()}
print replay
quit
""", name + '-second')
    if second is None:
        return
    b = state_at(second, 2)
    check(b is not None, f'{name}: the second session printed two states')
    if b is None:
        return
    check(b[0] == a[1], f'{name}: a second pass run forward to {mid - 3} has the registers and counters of the '
          f'step back ({b[0]} vs {a[1]})')
    check(b[1] == a[0], f'{name}: ... and three steps later those of instruction {mid} ({b[1]} vs {a[0]})')
    rp2 = replays(second)
    check(len(rp2) == 1 and rp2[0]['differ'] == '0', f'{name}: no checkpoint differs in the second pass ({rp2})')


def tampered(args, display, name, recorded):
    """A checkpoint hash altered (checksum re-sealed): the GUI must show the divergence."""
    rec, _, _, _, checkpoints = recorded
    data = bytearray(open(rec, 'rb').read())
    off, _ = {t: (o, n) for t, o, n in sections(data)}['CHKP']
    which = checkpoints // 2
    pos = off + 4
    for _ in range(which):   # skip whole checkpoints: target, cycle, insns, hash, inputs before
        pos += 32 + 4 + 8 + struct.unpack_from('<Q', data, pos + 36)[0]   # it, snapshot length + bytes
    data[pos + 24] ^= 0x01
    bad = os.path.join(args.out, name + '-tampered.pvr')
    open(bad, 'wb').write(reseal(data))
    out = test_ui.run_debugger(args, display, bad, """
run
print replay
quit
""", name + '-tampered', expect=22)
    if out is None:
        return
    rp = replays(out)
    line = test_ui.values(out, 'replay-line ')
    check(len(rp) == 1 and rp[0]['differ'] == '1' and rp[0]['compared'] == str(checkpoints) and
          rp[0]['end'] == 'same' and line and re.search(r'1 differ \(first: at cycle \d+: expected hash [0-9a-f]{16}, '
                                                        r'got [0-9a-f]{16}\)', line[0]) is not None,
          f'{name}: checkpoint {which} altered: the replay line names it, the rest is equal ({rp}, {line})')


def echo_breakpoints(args, display, recorded):
    """Reverse continue over the recorded input: the breakpoint after each byte is echoed."""
    rom = open(args.echo_rom, 'rb').read()
    at = rom.find(b'\x3c\x0a')   # cmp $0x0a, %al: the byte just read is in AL
    check(at >= 0, 'echo: the ROM has its cmp $0x0a, %al')
    if at < 0:
        return
    bp = f'{ROM_BASE + at:#x}'
    out = test_ui.run_debugger(args, display, recorded[0], f"""
break {bp}
run
print reg eax
delete {bp}
run
break {bp}
rcontinue
print reg eax
rcontinue
print reg eax
step
print reg eip
print replay
quit
""", 'echo-breakpoints')
    if out is None:
        return
    eax = [v & 0xff for v in test_ui.reg_values(out, 'eax')]
    check(eax == [LINE[0], LINE[-1], LINE[-2]],
          f'echo: the breakpoint sees the first byte forward, then the last two going back ({eax})')
    rp = replays(out)
    check(len(rp) == 1 and rp[0]['end'] == 'same' and rp[0]['differ'] == '0',
          f'echo: after going back and forth the comparisons still hold ({rp})')


def two_vcpus(args, display):
    """On the echo ROM, a breakpoint after each byte read: forward it sees the line's first byte;
from the end, reverse continue sees the last byte, then the one before.
The PV kernel recorded under `--timing ooo` goes through the same session as the others.
A two-vcpu PV recording whose image moved: refused without --image, replayed forward with it."""
    copy = os.path.join(args.out, 'vcpus.elf')
    shutil.copyfile(args.vcpus_elf, copy)
    recorded = record(args, 'vcpus', ['--vcpus', '2', '--snapshot-interval', '20000', copy], b'')
    if not recorded:
        return
    rec, out_bytes, total_cycles, total, checkpoints = recorded
    moved = os.path.join(args.out, 'vcpus-moved.elf')
    os.replace(copy, moved)
    r = subprocess.run([args.pvlab, 'debug', rec], capture_output=True, text=True, timeout=60,
                       env=dict(os.environ, DISPLAY=''))
    check(r.returncode == 2 and 'vcpus.elf' in r.stderr and '--image' in r.stderr,
          f'vcpus: a recording whose image moved is refused, the message names it and --image ({r.stderr.strip()!r})')
    out = test_ui.run_debugger(args, display, rec, """
run
print replay
print console
quit
""", 'vcpus', ['--image', moved])
    if out is None:
        return
    rp = replays(out)
    check(len(rp) == 1 and rp[0]['insns'] == str(total) and rp[0]['cycles'] == str(total_cycles) and
          rp[0]['end'] == 'same' and rp[0]['output'] == 'matches' and checkpoints > 0 and
          rp[0]['compared'] == str(checkpoints) and rp[0]['differ'] == '0',
          f'vcpus: two vcpus replayed forward to the recorded end, every checkpoint equal ({rp}, {checkpoints} recorded)')
    check(test_ui.values(out, 'console ') == [f'{len(out_bytes)} bytes'], 'vcpus: the console holds the recorded output')


def corrupt(args):
    rec = os.path.join(args.out, 'echo.pvr')
    data = bytearray(open(rec, 'rb').read())
    data[len(data) // 2] ^= 0x5a
    bad = os.path.join(args.out, 'corrupt.pvr')
    open(bad, 'wb').write(bytes(data))
    r = subprocess.run([args.pvlab, 'debug', bad], capture_output=True, text=True, timeout=60,
                       env=dict(os.environ, DISPLAY=''))
    check(r.returncode == 2 and 'corrupt.pvr' in r.stderr and 'recording' in r.stderr,
          f'a corrupt recording is refused with exit status 2 and a message naming it (rc {r.returncode}: '
          f'{r.stderr.strip()!r})')
    short = os.path.join(args.out, 'short.pvr')
    open(short, 'wb').write(bytes(data[:40]))
    r = subprocess.run([args.pvlab, 'debug', short], capture_output=True, text=True, timeout=60,
                       env=dict(os.environ, DISPLAY=''))
    check(r.returncode == 2 and 'short.pvr' in r.stderr,
          f'a truncated recording is refused with exit status 2 (rc {r.returncode}: {r.stderr.strip()!r})')


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument('--pvlab', required=True)
    ap.add_argument('--echo-rom', required=True)
    ap.add_argument('--pv-elf', required=True)
    ap.add_argument('--vcpus-elf', required=True, help='the two-vcpu PV test kernel')
    ap.add_argument('--out', default=None)
    args = ap.parse_args()
    temporary = args.out is None
    if temporary:
        args.out = tempfile.mkdtemp(prefix='pvlab-ui-replay-')
    os.makedirs(args.out, exist_ok=True)
    xvfb, display, why = test_ui.start_xvfb()
    if xvfb is None:
        print(f'{why}: skipped')
        return 77
    try:
        echo = record(args, 'echo', ['--bios', args.echo_rom, '--snapshot-interval', '20000',
                                     '--max-insns', '50000000'], LINE)
        if echo:
            check(LINE in echo[1], f'echo: the recorded run echoed the line ({echo[1]!r})')
            # The middle (the ROM waits for input there), and just after the line was read.
            session(args, display, 'echo', echo, echo[3] // 2)
            session(args, display, 'echo', echo, echo[3] - 40)
            tampered(args, display, 'echo', echo)
            echo_breakpoints(args, display, echo)
            corrupt(args)
        pv = record(args, 'pv', ['--snapshot-interval', '50000', args.pv_elf], b'')
        if pv:
            session(args, display, 'pv', pv, pv[3] // 2)
            tampered(args, display, 'pv', pv)
        # Recorded under the out-of-order model: its state is in every in-memory snapshot, so
        # the cycles after a step back are those of the first pass.
        ooo = record(args, 'pv-ooo', ['--timing', 'ooo', '--snapshot-interval', '50000', args.pv_elf], b'')
        if ooo:
            session(args, display, 'pv-ooo', ooo, ooo[3] // 2)
        two_vcpus(args, display)
    finally:
        xvfb.terminate()
        try:
            xvfb.wait(10)
        except subprocess.TimeoutExpired:
            xvfb.kill()
    passed = sum(test_ui.results)
    failed = len(test_ui.results) - passed
    print(f'ui-replay: {passed} passed, {failed} failed')
    if temporary and failed == 0:
        shutil.rmtree(args.out, ignore_errors=True)
    return 0 if failed == 0 else 1


if __name__ == '__main__':
    sys.exit(main())
