#!/usr/bin/env python3
"""Debug the demo guest with the real gdb through pvlab's remote stub.

pvlab runs the demo guest with `--gdb PORT --gdb-wait`; gdb (batch mode) loads the guest's
ELF file for its symbols, attaches, breaks on `main`, checks the Multiboot magic on the
stack, steps one instruction, reads a register of pvlab's system feature (CR0) and memory
(the Multiboot header), sets a hardware watchpoint on the sieve's `composite[4]` and sees
the guest write 1 there, runs two monitor commands, and lets the guest run to its end.
With --long-elf, a second scenario talks the protocol itself to a long-running guest: a bad
checksum, an absurd length and a malformed packet get a nack or an error, Ctrl-C (0x03)
stops the running guest, a monitor command answers, and `k` ends pvlab. With --pv-elf, gdb
debugs a PV domain: main in ring 1, and the hypercall, event channel, frame table and page
walk monitor views. With --pv-demo-elf, `monitor catch upcall` stops the PV demo with EIP at
its event callback (ev_entry0, from the ELF's symbols). With --mm-hostile-elf, `monitor catch
rejected` stops after a refused page-table update with the reason. With --vcpus-elf, gdb sees
the two vcpus of a `--vcpus 2` domain as two threads: `info threads`, `thread 2` and its
registers as `monitor regs` reports them, a step of thread 2 alone.
Each check prints PASS or FAIL; the last line is `gdb: N passed, N failed`.

    test_gdb.py --pvlab BUILD/frontend/pvlab --elf BUILD/guests/hello.elf
                [--long-elf BUILD/guests/intloop.elf] [--pv-elf BUILD/guests/pv-hello.elf]
                [--pv-demo-elf BUILD/guests/pv-demo.elf]
                [--mm-hostile-elf BUILD/guests/pv-test-mm_hostile.elf]
                [--vcpus-elf BUILD/guests/pv-test-vcpus.elf]

The port is chosen from the process id (and the next free one after it); every wait has a
time limit, and pvlab is killed if it is still running at the end. Exit status 77 (skipped)
when gdb is not installed.
"""
import argparse
import re
import shutil
import socket
import subprocess
import sys
import time

from gdb_harness import Checks, find_gdb, free_port, wait_listening

TIMEOUT = 120



class Remote:
    """A minimal client of the remote protocol for what gdb's batch mode cannot do (Ctrl-C,
    broken packets)."""

    def __init__(self, port: int):
        self.s = socket.create_connection(('127.0.0.1', port), timeout=20)
        self.buf = b''

    def send_raw(self, data: bytes) -> None:
        self.s.sendall(data)

    def send(self, payload: str) -> None:
        body = payload.encode('latin-1')
        self.send_raw(b'$' + body + b'#%02x' % (sum(body) & 0xff))

    def read_until(self, pred, limit: float = 20.0):
        end = time.monotonic() + limit
        while time.monotonic() < end:
            r = pred(self.buf)
            if r is not None:
                return r
            self.s.settimeout(max(0.01, end - time.monotonic()))
            try:
                chunk = self.s.recv(4096)
            except socket.timeout:
                break
            if not chunk:
                break
            self.buf += chunk
        return None

    def packet(self, limit: float = 20.0):
        """The next packet's payload (acks before it are dropped)."""
        def take(b: bytes):
            m = re.search(rb'\$([^#]*)#[0-9a-f]{2}', b)
            if not m:
                return None
            self.buf = b[m.end():]
            return m.group(1).decode('latin-1')
        return self.read_until(take, limit)


def interrupt_scenario(pvlab_path: str, elf: str, check) -> None:
    """Ctrl-C stops a running guest (T02); broken packets get '-' or an error; k ends pvlab."""
    port = free_port()
    proc = subprocess.Popen([pvlab_path, 'run', elf, '--gdb', str(port), '--gdb-wait',
                             '--cmdline', 'iters=1000000'],
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)
    try:
        if not wait_listening(port, proc, 30):
            check('interrupt: pvlab listens', False)
            return
        r = Remote(port)
        r.send_raw(b'$m0,4#00')   # bad checksum: a nack
        check('bad checksum gets a nack', r.read_until(lambda b: b'-' in b or None) is not None)
        r.buf = b''
        r.send('m0,ffffffff')
        check('absurd length gets an error', r.packet() == 'E01')
        r.send('Zq')
        check('malformed packet gets an error', r.packet() == 'E01')
        r.send('QStartNoAckMode')
        check('no-ack mode', r.packet() == 'OK')
        r.send('vCont;c')
        time.sleep(0.3)
        r.send_raw(b'\x03')
        check('Ctrl-C stops the guest with SIGINT', (r.packet() or '').startswith('T02'))
        r.send('qRcmd,' + 'counters'.encode().hex())
        out = ''
        while True:
            p = r.packet()
            if p is None or p == 'OK' or not p.startswith('O'):
                break
            out += bytes.fromhex(p[1:]).decode()
        m = re.search(r'instructions (\d+)', out)
        check('the guest ran before the stop', m is not None and int(m.group(1)) > 1000, out[:80])
        r.send('k')
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            pass
        check('k ends pvlab', proc.poll() == 0, str(proc.poll()))
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def pv_scenario(pvlab_path: str, elf: str, check) -> None:
    """gdb on a PV domain: a breakpoint on main in ring 1, pvlab's PV monitor views, the end."""
    port = free_port()
    proc = subprocess.Popen([pvlab_path, 'run', elf, '--gdb', str(port), '--gdb-wait'],
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        if not wait_listening(port, proc, 30):
            check('pv: pvlab listens', False)
            return
        cmds = ['set pagination off', f'file {elf}', f'target remote :{port}', 'break main',
                'continue', 'printf "CPL %d\\n", $cpl', 'printf "CS %x\\n", $cs',
                'monitor hypercalls 8', 'monitor evtchn', 'monitor frames', 'monitor pt eip',
                'delete', 'continue']
        args = [shutil.which('gdb'), '-nx', '-batch']
        for c in cmds:
            args += ['-ex', c]
        try:
            g = subprocess.run(args, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                               timeout=TIMEOUT)
            out = g.stdout + g.stderr   # gdb writes monitor output to stderr in batch mode
        except subprocess.TimeoutExpired:
            out = ''
            check('pv: gdb finishes in time', False)
        print('---- gdb output (PV) ----')
        print(out)
        print('-------------------------')
        check('pv: breakpoint on main hit', re.search(r'Breakpoint 1, 0x[0-9a-f]+ in main', out) is not None)
        check('pv: the kernel runs in ring 1', re.search(r'^CPL 1$', out, re.M) is not None)
        check('pv: flat ring-1 code selector', re.search(r'^CS e019$', out, re.M) is not None)
        check('pv: monitor hypercalls', re.search(r'hypercalls: \d+ in all', out) is not None)
        check('pv: monitor evtchn', 'event channels of domain' in out)
        check('pv: monitor frames', re.search(r'dom1 L3\s+\d+', out) is not None)
        check('pv: monitor pt (PAE)', 'PDPTE' in out and 'PTE' in out)
        check('pv: the domain runs to its end', 'exited normally' in out)
        try:
            rc = proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            rc = None
        check('pv: pvlab exits with status 0 (poweroff)', rc == 0, str(rc))
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def run_gdb(pvlab_path: str, elf: str, extra_args: list, cmds: list, label: str, check):
    """pvlab on `elf` waiting for gdb, gdb in batch mode running `cmds` after attaching; the
    output of both (gdb's stdout and stderr, then pvlab's status) or None."""
    port = free_port()
    proc = subprocess.Popen([pvlab_path, 'run', elf, '--gdb', str(port), '--gdb-wait'] + extra_args,
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        if not wait_listening(port, proc, 30):
            check(f'{label}: pvlab listens', False)
            return None, None
        args = [shutil.which('gdb'), '-nx', '-batch', '-ex', 'set pagination off', '-ex', 'set confirm off',
                '-ex', f'file {elf}', '-ex', f'target remote :{port}']
        for c in cmds:
            args += ['-ex', c]
        try:
            g = subprocess.run(args, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                               timeout=TIMEOUT)
            out = g.stdout + g.stderr
        except subprocess.TimeoutExpired:
            out = ''
            check(f'{label}: gdb finishes in time', False)
        print(f'---- gdb output ({label}) ----')
        print(out)
        print('-------------------------')
        try:
            rc = proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            rc = None
        return out, rc
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def tagged(out: str, tag: str):
    m = re.search(rf'^{tag} (-?[0-9a-f]+)$', out, re.M)
    return int(m.group(1), 16) if m else None


def upcall_scenario(pvlab_path: str, elf: str, check) -> None:
    """monitor catch upcall: the PV demo stops with EIP at its event callback."""
    cmds = ['monitor catch upcall', 'continue',
            'printf "EIP %x\\n", $eip', 'printf "CALLBACK %x\\n", (unsigned)&ev_entry0',
            'printf "CPL %x\\n", $cpl', 'monitor evtchn',
            'monitor catch clear', 'continue']
    out, rc = run_gdb(pvlab_path, elf, [], cmds, 'upcall', check)
    if out is None:
        return
    eip, cb = tagged(out, 'EIP'), tagged(out, 'CALLBACK')
    check('upcall: catch accepted', 'catching event upcalls' in out)
    check('upcall: the stop says which vcpu and port',
          re.search(r'pvlab: event upcall on vcpu 0 to e019:[0-9a-f]{8}, port \d+', out) is not None)
    check('upcall: EIP at the event callback (ev_entry0)', eip is not None and eip == cb,
          f'eip {eip} callback {cb}')
    check('upcall: in the ring-1 kernel', tagged(out, 'CPL') == 1)
    check('upcall: the demo runs to its end', 'exited normally' in out)
    check('upcall: pvlab exits with status 0', rc == 0, str(rc))


def rejected_scenario(pvlab_path: str, elf: str, check) -> None:
    """monitor catch rejected: the hostile mm kernel stops after a refused update, with the
    reason, both for a hypercall and for a writable-page-table store."""
    # Every refused update stops; the continues beyond the kernel's end only make gdb say
    # that nothing runs.
    cmds = ['monitor catch rejected', 'continue', 'printf "EAX %d\\n", $eax'] + ['continue'] * 80
    out, rc = run_gdb(pvlab_path, elf, [], cmds, 'rejected', check)
    if out is None:
        return
    m = re.search(r'^EAX (-?\d+)$', out, re.M)
    check('rejected: stops after a refused update_va_mapping',
          re.search(r'pvlab: update refused on vcpu 0: update_va_mapping = -16: .+', out) is not None)
    check('rejected: EAX holds -EBUSY', m is not None and int(m.group(1)) == -16, m.group(1) if m else '')
    check('rejected: a refused writable-page-table store, with its reason',
          re.search(r'pvlab: update refused on vcpu 0: writable page table: L1 .+ = -\d+: .+ \(the store at [0-9a-f]{8}',
                    out) is not None)
    check('rejected: the kernel runs to its end', 'exited normally' in out)
    check('rejected: pvlab exits with status 0', rc == 0, str(rc))


def threads_scenario(pvlab_path: str, elf: str, check) -> None:
    """Two vcpus as two gdb threads."""
    # A breakpoint on vcpu 1's very first instruction, then a watchpoint only vcpu 1 hits.
    cmds = ['break second_main', 'continue', 'printf "BP %d %x\\n", $_thread, $pc',
            'printf "SECOND %x\\n", (unsigned)&second_main', 'delete',
            'watch *(int *)&second_alive', 'continue', 'delete',
            'info threads',
            'printf "THREAD %d\\n", $_thread',
            'thread 2', 'printf "T2EIP %x\\n", $eip', 'info registers eip', 'monitor regs',
            'thread 1', 'printf "T1EIP %x\\n", $eip', 'monitor regs',
            'thread 2', 'stepi', 'printf "STEPPED %d %x\\n", $_thread, $eip',
            'thread 1', 'printf "T1AFTER %x\\n", $eip',
            'continue']
    out, rc = run_gdb(pvlab_path, elf, ['--vcpus', '2'], cmds, 'threads', check)
    if out is None:
        return
    m = re.search(r'^BP (\d+) ([0-9a-f]+)$', out, re.M)
    check('threads: a breakpoint on the first instruction vcpu 1 runs stops thread 2 there',
          m is not None and m.group(1) == '2' and int(m.group(2), 16) == tagged(out, 'SECOND'),
          m.group(0) if m else '')
    threads = re.findall(r'^\*?\s+(\d+)\s+Thread (\d+) \((vcpu \d+[^)]*)\)', out, re.M)
    check('threads: info threads lists 2 vcpus', sorted(t[0] for t in threads) == ['1', '2'] and
          any(t[2].startswith('vcpu 1') for t in threads), str(threads))
    check('threads: the watchpoint stopped vcpu 1 (thread 2)', tagged(out, 'THREAD') == 2,
          str(tagged(out, 'THREAD')))
    regs = re.findall(r'^eip=([0-9a-f]{8}) ', out, re.M)
    t2, t1 = tagged(out, 'T2EIP'), tagged(out, 'T1EIP')
    check('threads: thread 2 EIP is vcpu 1 EIP as monitor regs reports it',
          len(regs) == 2 and t2 is not None and int(regs[0], 16) == t2, f'{regs} {t2}')
    check('threads: thread 1 EIP is vcpu 0 EIP as monitor regs reports it',
          len(regs) == 2 and t1 is not None and int(regs[1], 16) == t1, f'{regs} {t1}')
    check('threads: the two vcpus are at different places', t1 is not None and t1 != t2)
    check('threads: info registers eip on thread 2', t2 is not None and
          re.search(rf'^eip\s+0x0*{t2:x}\s', out, re.M) is not None)
    m = re.search(r'^STEPPED (\d+) ([0-9a-f]+)$', out, re.M)
    check('threads: stepi on thread 2 steps vcpu 1', m is not None and m.group(1) == '2' and
          int(m.group(2), 16) != t2, m.group(0) if m else '')
    check('threads: vcpu 0 did not move during that step', tagged(out, 'T1AFTER') == t1)
    check('threads: the domain runs to its end', 'exited normally' in out)
    check('threads: pvlab exits with status 0', rc == 0, str(rc))


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument('--pvlab', required=True)
    ap.add_argument('--elf', required=True)
    ap.add_argument('--long-elf', help='a long-running guest for the Ctrl-C test (intloop.elf)')
    ap.add_argument('--pv-elf', help='a PV kernel with symbols (pv-hello.elf)')
    ap.add_argument('--pv-demo-elf', help='the PV demo, which takes event upcalls (pv-demo.elf)')
    ap.add_argument('--mm-hostile-elf', help='the hostile memory-management PV kernel')
    ap.add_argument('--vcpus-elf', help='the PV kernel that brings up vcpu 1 (pv-test-vcpus.elf)')
    a = ap.parse_args()
    gdb = find_gdb()
    if not gdb:
        return 77

    port = free_port()
    pvlab = subprocess.Popen([a.pvlab, 'run', a.elf, '--gdb', str(port), '--gdb-wait'],
                             stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    check = Checks('gdb')

    try:
        if not wait_listening(port, pvlab, 30):
            check('pvlab listens', False, 'no listening socket')
            return 1
        cmds = [
            'set pagination off',
            'set confirm off',
            f'file {a.elf}',
            f'target remote :{port}',
            'break main',
            'continue',
            'printf "AT_MAIN %d\\n", $pc >= (unsigned)&main && $pc < (unsigned)&main + 64',
            'info threads',
            'printf "MAGIC %x\\n", *(unsigned *)($ebp + 8)',   # main has pushed ebp and set it
            'printf "PC1 %x\\n", $pc',
            'stepi',
            'printf "PC2 %x\\n", $pc',
            'printf "CR0 %x\\n", $cr0',
            'set $eax = 0x1234abcd',
            'printf "EAX %x\\n", $eax',
            'printf "MBHDR %x\\n", *(unsigned *)0x100000',
            'x/2xw 0x100000',
            'info registers eip',
            'watch *((char *)&composite + 4)',
            'continue',
            'printf "COMPOSITE4 %d\\n", *((char *)&composite + 4)',
            'monitor pt 0x100000',
            'monitor counters',
            'delete',
            'continue',
        ]
        args = [gdb, '-nx', '-batch']
        for c in cmds:
            args += ['-ex', c]
        try:
            g = subprocess.run(args, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                               timeout=TIMEOUT)
            out = g.stdout + g.stderr
        except subprocess.TimeoutExpired as e:
            out = (e.stdout or b'').decode(errors='replace') if isinstance(e.stdout, bytes) else (e.stdout or '')
            check('gdb finishes in time', False, f'{TIMEOUT} s')
        print('---- gdb output ----')
        print(out)
        print('--------------------')

        def value(tag: str):
            m = re.search(rf'^{tag} ([0-9a-f]+)$', out, re.M)
            return int(m.group(1), 16) if m else None

        check('breakpoint on main hit', re.search(r'Breakpoint 1, 0x[0-9a-f]+ in main', out) is not None
              or 'Breakpoint 1, main' in out)
        check('stopped inside main', value('AT_MAIN') == 1, str(value('AT_MAIN')))
        check('bare metal: one thread', len(re.findall(r'^\*?\s+\d+\s+Thread \d+ \(vcpu', out, re.M)) == 1 and
              re.search(r'^\*\s+1\s+Thread 1 \(vcpu 0\)', out, re.M) is not None)
        check('multiboot magic on the stack', value('MAGIC') == 0x2badb002, hex(value('MAGIC') or 0))
        pc1, pc2 = value('PC1'), value('PC2')
        check('stepi moves eip forward', pc1 is not None and pc2 is not None and 0 < pc2 - pc1 <= 15,
              f'{pc1} -> {pc2}')
        cr0 = value('CR0')
        check('cr0 readable, protected mode', cr0 is not None and cr0 & 1 == 1, str(cr0))
        check('register write', value('EAX') == 0x1234abcd, str(value('EAX')))
        check('memory read (multiboot header)', value('MBHDR') == 0x1badb002, str(value('MBHDR')))
        check('x command', re.search(r'0x100000[^:]*:\s+0x1badb002', out) is not None)
        check('hardware watchpoint triggers', 'Hardware watchpoint 2' in out and
              re.search(r'New value = 1', out) is not None)
        check('watched byte written', value('COMPOSITE4') == 1, str(value('COMPOSITE4')))
        check('monitor pt', 'linear 0x00100000' in out)
        check('monitor counters', re.search(r'instructions \d+\s+cycles \d+', out) is not None)
        check('guest runs to its end', re.search(r'exited normally|exited with code 00', out) is not None)
        try:
            rc = pvlab.wait(timeout=30)
        except subprocess.TimeoutExpired:
            rc = None
        check('pvlab exits with the guest status', rc == 0, str(rc))
        pv_out = pvlab.stdout.read() if pvlab.stdout else ''
        check('guest output intact', 'primes below 10000: 1229' in pv_out)
    finally:
        if pvlab.poll() is None:
            pvlab.kill()
            pvlab.wait()
    if a.long_elf:
        interrupt_scenario(a.pvlab, a.long_elf, check)
    if a.pv_elf:
        pv_scenario(a.pvlab, a.pv_elf, check)
    if a.pv_demo_elf:
        upcall_scenario(a.pvlab, a.pv_demo_elf, check)
    if a.mm_hostile_elf:
        rejected_scenario(a.pvlab, a.mm_hostile_elf, check)
    if a.vcpus_elf:
        threads_scenario(a.pvlab, a.vcpus_elf, check)
    return check.summary()


if __name__ == '__main__':
    sys.exit(main())
