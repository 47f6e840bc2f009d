#!/usr/bin/env python3
"""Run a GRUB image built for Xen (grub-mkimage -O i386-xen) on pvlab and judge it.

GRUB prints what its configuration echoes on the console and powers the domain off with
`halt`. The run passes when pvlab exits 0 (SCHEDOP_shutdown poweroff) and every --expect
line appears in the output (terminal escapes and carriage returns removed). The last line is
`grub: N passed, N failed`, one check per expected line plus one for the exit status.

    run_grub.py --pvlab BUILD/frontend/pvlab --image grub-xen.elf --expect LINE [--expect LINE...]
"""
import argparse
import re
import subprocess
import sys

ESCAPE = re.compile(r'\x1b\[[0-9;]*[A-Za-z]')


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--pvlab', required=True)
    p.add_argument('--image', required=True)
    p.add_argument('--expect', action='append', default=[])
    p.add_argument('--max-insns', default='100000000')
    a = p.parse_args()
    cmd = [a.pvlab, 'run', a.image, '--max-insns', a.max_insns, '--stats']
    r = subprocess.run(cmd, capture_output=True, text=True, errors='replace', timeout=300)
    lines = [ESCAPE.sub('', l).strip() for l in r.stdout.replace('\r', '\n').split('\n')]
    passed = failed = 0
    for want in a.expect:
        if want in lines:
            passed += 1
        else:
            failed += 1
            print(f'FAIL: no line {want!r} in the output')
    if r.returncode == 0:
        passed += 1
    else:
        failed += 1
        print(f'FAIL: pvlab exited {r.returncode}, expected 0 (GRUB halts with a poweroff)')
    if failed:
        print('--- pvlab output ---')
        print(r.stdout)
        print(r.stderr)
    else:
        sys.stdout.write(r.stderr)
    print(f'grub: {passed} passed, {failed} failed')
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
