"""What the gdb tests share: finding gdb, their PASS / FAIL checks and last line, a free TCP
port, waiting for pvlab's stub to listen, and one batch run of the real gdb whose transcript
is printed for the test log."""
import os
import re
import shutil
import socket
import subprocess
import time


def find_gdb():
    """The gdb to test with; None (having said that the test is skipped) when there is none."""
    gdb = shutil.which('gdb')
    if not gdb:
        print('gdb is not installed: skipped')
    return gdb


class Checks:
    """A test's checks: calling it with a name, whether it held and what went wrong prints
    PASS or FAIL; summary() prints the last line, `TEST: N passed, N failed`, and gives the
    exit status."""

    def __init__(self, test: str):
        self.test = test
        self.results = []

    def __call__(self, name: str, ok: bool, detail: str = '') -> None:
        self.results.append(ok)
        print(('PASS ' if ok else 'FAIL ') + name + ('' if ok or not detail else ': ' + detail))

    def summary(self) -> int:
        passed = sum(self.results)
        failed = len(self.results) - passed
        print(f'{self.test}: {passed} passed, {failed} failed')
        return 0 if failed == 0 else 1


def free_port(spread: int = 1) -> int:
    """A free local port. Tests that run at the same time pass different `spread` values so
    their searches start apart."""
    base = 20000 + (os.getpid() * spread) % 20000
    for port in range(base, base + 200):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            try:
                s.bind(('127.0.0.1', port))
                return port
            except OSError:
                continue
    raise RuntimeError('no free TCP port')


def wait_listening(port: int, proc: subprocess.Popen, limit: float) -> bool:
    """True once `port` is in the LISTEN state; false when `proc` ends or `limit` seconds pass.
    (Reads /proc/net/tcp: a connection attempt would count as gdb attaching.)"""
    end = time.monotonic() + limit
    while time.monotonic() < end:
        if proc.poll() is not None:
            return False
        with open('/proc/net/tcp') as f:
            if any(f':{port:04X} ' in line and line.split()[3] == '0A' for line in f):
                return True
        time.sleep(0.05)
    return False


def run_gdb_batch(gdb: str, cmds: list, timeout: float):
    """Run `gdb -nx -batch` with each command as an -ex; print and return (stdout, stderr),
    or None when gdb did not finish in `timeout` seconds."""
    args = [gdb, '-nx', '-batch']
    for c in cmds:
        args += ['-ex', c]
    try:
        g = subprocess.run(args, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                           timeout=timeout)
    except subprocess.TimeoutExpired:
        return None
    print('---- gdb output ----')
    print(g.stdout)
    print(g.stderr)
    print('--------------------')
    return g.stdout, g.stderr


def print_state(tag: str, exprs: list) -> str:
    """A gdb command printing a line `TAG v1 v2 ...` with each expression in hex."""
    return 'printf "' + tag + ' ' + ' '.join(['%x'] * len(exprs)) + '\\n", ' + ', '.join(exprs)


def state_in(out: str, tag: str, n: int):
    """The n values print_state(tag, ...) printed in gdb's output `out`, or None."""
    m = re.search(rf'^{tag}' + r' ([0-9a-f]+)' * n + '$', out, re.M)
    return tuple(int(x, 16) for x in m.groups()) if m else None
