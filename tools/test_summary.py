#!/usr/bin/env python3
"""Add up the results of every test program in a Meson test log and print the closing line
`N passed, N failed`. A doctest program counts its test cases, the asm runner its tests, any
other program counts once. A program that failed without saying why counts one failure."""
import json
import re
import sys

DOCTEST = re.compile(r'\[doctest\] test cases:\s*(\d+)\s*\|\s*(\d+) passed\s*\|\s*(\d+) failed')
PLAIN = re.compile(r'^[\w-]+: (\d+) passed, (\d+) failed', re.M)

def main() -> int:
    log = sys.argv[1]
    passed = failed = 0
    with open(log) as f:
        for line in f:
            t = json.loads(line)
            out = t.get('stdout') or ''
            ok = t.get('result') == 'OK'
            m = DOCTEST.search(out)
            counts = None
            if m:
                counts = (int(m.group(2)), int(m.group(3)))
            else:
                m = PLAIN.search(out)
                if m:
                    counts = (int(m.group(1)), int(m.group(2)))
            if counts is None:
                counts = (1, 0) if ok else (0, 1)
            elif not ok and counts[1] == 0:
                counts = (counts[0], 1)   # crashed or timed out after its last report
            passed += counts[0]
            failed += counts[1]
            if not ok:
                print(f"failed: {t.get('name')} ({t.get('result')})")
    print(f'{passed} passed, {failed} failed')
    return 0 if failed == 0 else 1

if __name__ == '__main__':
    sys.exit(main())
