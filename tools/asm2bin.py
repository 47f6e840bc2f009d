#!/usr/bin/env python3
"""Assemble one pvlab asm test into a flat binary loaded at 0x10000.

usage: asm2bin.py SOURCE.S OUTPUT.bin
The source goes through the C preprocessor (so it may #include tests/asm/harness.inc) and
GNU as in 32-bit mode; .code16 sections work as usual.
"""
import os
import subprocess
import sys
import tempfile

LOAD_ADDR = 0x10000

def main() -> int:
    src, out = sys.argv[1:3]
    inc = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'tests', 'asm')
    with tempfile.TemporaryDirectory() as tmp:
        obj = os.path.join(tmp, 'test.o')
        cc = [os.environ.get('CC_FOR_GUESTS', 'gcc'), '-m32', '-c', '-x', 'assembler-with-cpp',
              '-I', inc, src, '-o', obj]
        ld = ['ld', '-m', 'elf_i386', '-Ttext=0x%x' % LOAD_ADDR, '--oformat', 'binary',
              '--no-warn-rwx-segments', '--entry=0x%x' % LOAD_ADDR, '-o', out, obj]
        for cmd in (cc, ld):
            r = subprocess.run(cmd)
            if r.returncode:
                return r.returncode
    return 0

if __name__ == '__main__':
    sys.exit(main())
