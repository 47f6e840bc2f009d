#!/usr/bin/env python3
"""Command-line tests of `pvlab run` on small BIOS ROMs (tests/frontend/asm/rom_*.S):
--rtc-epoch read back through the CMOS, --log help and bad categories, --log cpu,io, and the
state dump (with the last instructions) on a triple fault and at an instruction limit.

    test_cli.py --pvlab BUILD/frontend/pvlab --roms fe_rom_rtc.bin fe_rom_triple.bin ...

Ends with `cli: N passed, N failed`.
"""
import argparse
import calendar
import json
import os
import re
import subprocess
import sys
import tempfile

EXIT_TRIPLE_FAULT = 8
EXIT_LIMIT = 10
EXIT_USAGE = 2


def bcd(v):
    return ((v // 10) << 4) | (v % 10)


def rtc_bytes(year, month, day, hour, minute, second):
    """What rom_rtc prints: century, year, month, day, hour, minute, second in BCD."""
    return bytes([bcd(year // 100), bcd(year % 100), bcd(month), bcd(day), bcd(hour), bcd(minute),
                  bcd(second)])


class Cli:
    def __init__(self, pvlab, roms):
        self.pvlab = pvlab
        self.roms = {os.path.basename(r).removeprefix('fe_').removesuffix('.bin'): r for r in roms}
        self.passed = self.failed = 0

    def run(self, *args, rom=None):
        cmd = [self.pvlab, 'run', '--serial', 'none']
        if rom:
            cmd += ['--bios', self.roms[rom]]
        p = subprocess.run(cmd + list(args), stdin=subprocess.DEVNULL, capture_output=True, timeout=60)
        return p.returncode, p.stdout, p.stderr.decode(errors='replace')

    def check(self, name, ok, detail=''):
        if ok:
            self.passed += 1
            print(f'PASS {name}')
        else:
            self.failed += 1
            print(f'FAIL {name}' + (f'\n  {detail}' if detail else ''))


def in_order(text, parts):
    at = 0
    for p in parts:
        k = text.find(p, at)
        if k < 0:
            return False
        at = k + 1
    return True


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--pvlab', required=True)
    ap.add_argument('--roms', nargs='+', required=True)
    args = ap.parse_args()
    t = Cli(args.pvlab, args.roms)

    # --rtc-epoch: both forms, the default, and refusals.
    want = rtc_bytes(2001, 2, 3, 4, 5, 6)
    for value in ('2001-02-03T04:05:06', str(calendar.timegm((2001, 2, 3, 4, 5, 6)))):
        rc, out, err = t.run('--rtc-epoch', value, rom='rom_rtc')
        t.check(f'rtc-epoch {value}', rc == 1 and out == want, f'status {rc}, output {out.hex()}, {err}')
    rc, out, err = t.run('--rtc-epoch', '2099-12-31T23:59:58', rom='rom_rtc')
    t.check('rtc-epoch 2099', rc == 1 and out == rtc_bytes(2099, 12, 31, 23, 59, 58), f'{rc} {out.hex()}')
    rc, out, err = t.run(rom='rom_rtc')
    t.check('rtc-epoch default 2024-01-01', rc == 1 and out == rtc_bytes(2024, 1, 1, 0, 0, 0), f'{rc} {out.hex()}')
    for bad in ('2001-02-29T00:00:00', 'yesterday', '2001-02-03'):
        rc, out, err = t.run('--rtc-epoch', bad, rom='rom_rtc')
        t.check(f'rtc-epoch refuses {bad}', rc == EXIT_USAGE and f'--rtc-epoch {bad}:' in err and not out,
                f'{rc} {err}')

    # --log help and unknown categories.
    rc, out, err = t.run('--log', 'help')
    text = out.decode()
    t.check('log help', rc == 0 and all(f'  {c} ' in text for c in ('int', 'pf', 'unimp', 'cpu', 'io', 'hcall')),
            f'{rc} {text}')
    rc, out, err = t.run('--log', 'int,nosuch', rom='rom_rtc')
    t.check('log refuses an unknown category', rc == EXIT_USAGE and 'nosuch' in err, f'{rc} {err}')

    # --log cpu,io on a ROM that sets and clears CR0.PE and reads an unanswered port.
    rc, out, err = t.run('--log', 'cpu,io', rom='rom_modes')
    t.check('log cpu,io', rc == 1 and in_order(err, ['cpu: cr0 60000010 -> 60000011 (+PE)',
                                                     'cpu: mode real -> protected',
                                                     'cpu: cr0 60000011 -> 60000010 (-PE)',
                                                     'cpu: mode protected -> real',
                                                     'io: the guest used port 0x1234']), err)
    rc, out, err = t.run(rom='rom_modes')
    t.check('no log without --log', rc == 1 and err == '', err)

    # The state dump: a triple fault in real mode, and the instruction limit.
    rc, out, err = t.run(rom='rom_triple')
    t.check('triple fault dump', rc == EXIT_TRIPLE_FAULT and in_order(err, [
        'guest stopped: triple fault', 'eip=0000f00e', 'mode=real', 'last instructions',
        'mov ax, 1', 'mov bx, 2', 'lidt', 'int3  <- eip', 'code at cs:eip']), err)
    rc, out, err = t.run('--max-insns', '4', rom='rom_modes')
    t.check('limit dump', rc == EXIT_LIMIT and in_order(err, [
        'guest stopped: instruction limit reached', 'last instructions', 'mov eax, cr0', 'or al, 1',
        'mov cr0, eax  <- eip']), err)

    # The timing options (docs/timing.md).
    rc, out, err = t.run('--timing', 'bogus', rom='rom_modes')
    t.check('timing refuses an unknown model', rc == EXIT_USAGE and '--timing bogus: expected atomic or ooo' in err, err)
    rc, out, err = t.run('--timing-config', 'x.ini', rom='rom_modes')
    t.check('timing-config needs ooo', rc == EXIT_USAGE and 'need --timing ooo' in err, err)
    # --log cpu and --trace-insns are retire hooks after the model's: the same log lines as
    # under atomic, stamped with the model's cycles, and a trace record per instruction.
    _, _, atomic = t.run('--log', 'cpu,io', rom='rom_modes')
    rc, out, err = t.run('--timing', 'ooo', '--log', 'cpu,io', rom='rom_modes')
    unstamp = lambda s: re.sub(r'\[cycle \d+\] ', '', s)
    t.check('timing ooo with --log cpu: the atomic run\'s log lines', rc == 1 and 'cpu: mode real -> protected' in err and
            unstamp(err) == unstamp(atomic), f'{err} // {atomic}')
    with tempfile.TemporaryDirectory() as tmp:
        tr = os.path.join(tmp, 'modes.txt')
        rc, out, err = t.run('--timing', 'ooo', '--log', 'cpu', '--trace-insns', tr, '--stats', rom='rom_modes')
        m = re.search(r'pvlab: (\d+) instructions', err)
        recs = [l for l in open(tr).read().splitlines() if l and not l.startswith('#')] if os.path.exists(tr) else []
        t.check('timing ooo with --log cpu and --trace-insns: both watch every instruction',
                rc == 1 and m and len(recs) == int(m.group(1)) > 0 and 'cpu: mode protected -> real' in err,
                f'rc {rc}, {len(recs)} records: {err[-300:]}')
    with tempfile.TemporaryDirectory() as tmp:
        bad = os.path.join(tmp, 'bad.ini')
        with open(bad, 'w') as f:
            f.write('[timing]\nrob_size = 64\nrob_sise = 64\n')
        rc, out, err = t.run('--timing', 'ooo', '--timing-config', bad, rom='rom_modes')
        t.check('timing-config names the bad line', rc == EXIT_USAGE and f'{bad}:3: unknown key' in err, err)
        rc, out, err = t.run('--timing', 'ooo', '--timing-config', os.path.join(tmp, 'none.ini'), rom='rom_modes')
        t.check('timing-config missing file', rc == EXIT_USAGE and 'none.ini: cannot open file' in err, err)
        js = os.path.join(tmp, 'stats.json')
        rc, out, err = t.run('--timing', 'ooo', '--stats', '--timing-stats', js, rom='rom_modes')
        ok = rc == 1 and 'timing CPI stack' in err
        if ok:
            with open(js) as f:
                stats = json.load(f)
            insns = int(err.split(' instructions,')[0].split()[-1])
            ok = stats['instructions'] == insns and sum(stats['cpi_stack'].values()) == stats['cycles']
        t.check('timing ooo: --stats and --timing-stats agree', ok, err)

    print(f'cli: {t.passed} passed, {t.failed} failed')
    return 0 if t.failed == 0 else 1


if __name__ == '__main__':
    sys.exit(main())
