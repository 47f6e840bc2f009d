#!/usr/bin/env python3
"""Command-line tests of the traces: `pvlab run --trace-insns/--trace-events/--trace-chrome`,
`pvlab trace show` and `pvlab trace diff`, on the built-in PV demo, the PV hello kernel and a
BIOS ROM.

    test_trace.py --pvlab BUILD/frontend/pvlab --hello pv-hello.elf --rom fe_rom_rtc.bin --tmp DIR

Ends with `trace: N passed, N failed`.
"""
import argparse
import json
import os
import re
import struct
import subprocess
import sys

LIMIT = 60000   # instructions per instruction trace (the hello kernel runs about 20000)


class T:
    def __init__(self, pvlab, tmp):
        self.pvlab = pvlab
        self.tmp = tmp
        self.passed = self.failed = 0

    def path(self, name):
        return os.path.join(self.tmp, name)

    def pvlab_run(self, *args):
        p = subprocess.run([self.pvlab, 'run'] + list(args), stdin=subprocess.DEVNULL, capture_output=True,
                           timeout=300)
        return p.returncode, p.stdout.decode(errors='replace'), p.stderr.decode(errors='replace')

    def trace(self, *args):
        p = subprocess.run([self.pvlab, 'trace'] + list(args), stdin=subprocess.DEVNULL, capture_output=True,
                           timeout=300)
        return p.returncode, p.stdout.decode(errors='replace'), p.stderr.decode(errors='replace')

    def check(self, name, ok, detail=''):
        if ok:
            self.passed += 1
            print(f'PASS {name}')
        else:
            self.failed += 1
            print(f'FAIL {name}' + (f'\n  {detail}' if detail else ''))


def stats(stderr):
    m = re.search(r'pvlab: (\d+) instructions, (\d+) cycles', stderr)
    return (int(m.group(1)), int(m.group(2))) if m else None


def text_records(path):
    with open(path) as f:
        lines = f.read().splitlines()
    return [l for l in lines if l and not l.startswith('#')]


def elf_offset(elf, vaddr):
    """The file offset of virtual address `vaddr` in a 32-bit ELF file (its PT_LOAD headers)."""
    phoff, = struct.unpack_from('<I', elf, 28)
    phentsize, phnum = struct.unpack_from('<HH', elf, 42)
    for k in range(phnum):
        p_type, p_offset, p_vaddr, _, p_filesz = struct.unpack_from('<IIIII', elf, phoff + k * phentsize)
        if p_type == 1 and p_vaddr <= vaddr < p_vaddr + p_filesz:
            return p_offset + vaddr - p_vaddr
    return None


def test_events(t):
    jl, ch = t.path('demo.jsonl'), t.path('demo.json')
    rc, out, err = t.pvlab_run('--trace-events', jl, '--trace-chrome', ch, '--stats')
    t.check('demo with event traces powers off', rc == 0, f'rc {rc}: {err[-500:]}')
    try:
        with open(ch) as f:
            chrome = json.load(f)
    except (OSError, ValueError) as e:
        t.check('chrome trace parses as JSON', False, str(e))
        return
    t.check('chrome trace parses as JSON', True)
    evs = chrome.get('traceEvents')
    t.check('chrome trace has a traceEvents list', isinstance(evs, list) and len(evs) > 10)
    if not isinstance(evs, list):
        return
    meta = [e for e in evs if e.get('ph') == 'M']
    t.check('process and vcpu thread names', any(e['name'] == 'process_name' for e in meta) and
            any(e['name'] == 'thread_name' and e['args']['name'] == 'vcpu 0' for e in meta))
    t.check('every event is M, X or i with pid, tid and numeric ts',
            all(e.get('ph') in ('M', 'X', 'i') and 'pid' in e and 'tid' in e and
                (e['ph'] == 'M' or (isinstance(e.get('ts'), (int, float)) and e['ts'] >= 0)) for e in evs))
    xs = [e for e in evs if e.get('ph') == 'X']
    t.check('hypercalls are complete events with a duration',
            xs and all(e['cat'] == 'hypercall' and e['dur'] > 0 for e in xs))
    names = {e['name'] for e in xs}
    for hc in ('console_io', 'mmu_update', 'update_va_mapping', 'event_channel_op', 'sched_op', 'set_trap_table'):
        t.check(f'the demo\'s {hc} hypercalls are in the chrome trace', hc in names, sorted(names))
    ts0 = [e['ts'] for e in xs if e['tid'] == 0]
    t.check('vcpu 0 hypercall timestamps never go back', ts0 == sorted(ts0))

    try:
        with open(jl) as f:
            lines = [json.loads(l) for l in f if l.strip()]
    except (OSError, ValueError) as e:
        t.check('event log lines parse as JSON', False, str(e))
        return
    t.check('event log lines parse as JSON with cycle, vcpu and kind',
            lines and all({'cycle', 'vcpu', 'kind', 'name'} <= set(l) for l in lines))
    hcalls = [l for l in lines if l['kind'] == 'hypercall']
    m = re.search(r'pvlab: (\d+) hypercalls \((\d+) refused\)', err)
    t.check('every hypercall is logged (count matches --stats)',
            m and len(hcalls) == int(m.group(1)) and len(xs) == len(hcalls),
            f'{len(hcalls)} logged, {len(xs)} in chrome, stats: {m.group(0) if m else None}')
    refused = [l for l in hcalls if l['result'] < 0]
    t.check('refused hypercalls carry their reason',
            m and len(refused) == int(m.group(2)) and refused and all(l.get('reason') for l in refused))
    t.check('hypercalls carry their five arguments', all(len(l['args']) == 5 for l in hcalls))
    ev = [l for l in lines if l['kind'] == 'evtchn']
    t.check('event-channel sends, masked and unmasked',
            any(l['masked'] or l['upcall_masked'] for l in ev) and
            any(not l['masked'] and not l['upcall_masked'] and l['upcall'] for l in ev), ev)
    exc = [l for l in lines if l['kind'] == 'exception']
    t.check('exceptions and upcalls delivered, some bounced to the guest',
            any(l['outcome'] == 'bounced' for l in exc) and any(l['type'] == 'irq' for l in exc))
    pt = [l for l in lines if l['kind'] == 'pt_validate']
    t.check('page-table validations, accepted and refused with the reason',
            any(l['accepted'] for l in pt) and
            any(not l['accepted'] and l['reason'] and l['error'] < 0 for l in pt) and all('mfn' in l for l in pt),
            pt[:3])
    t.check('events in cycle order per vcpu',
            all(a['cycle'] <= b['cycle'] for a, b in zip(lines, lines[1:]) if a['vcpu'] == b['vcpu']))

    rc, out, _ = t.trace('diff', jl, jl)
    t.check('an event log equals itself', rc == 0 and 'identical' in out, out)
    jl2 = t.path('demo2.jsonl')
    t.pvlab_run('--trace-events', jl2)
    rc, out, _ = t.trace('diff', jl, jl2)
    t.check('two runs of the demo give identical event logs', rc == 0, out)


def test_insns(t, hello):
    a, b, c = t.path('a.txt'), t.path('b.pvt'), t.path('c.pvt')
    common = ['--trace-limit', str(LIMIT)]
    rca, _, erra = t.pvlab_run(hello, '--trace-insns', a, '--stats', *common)
    rcb, _, errb = t.pvlab_run(hello, '--trace-insns', b, *common)
    rcp, _, errp = t.pvlab_run(hello, '--stats')
    t.check('tracing changes neither instruction nor cycle counts', stats(erra) and stats(erra) == stats(errp),
            f'{stats(erra)} vs {stats(errp)}')
    recs = text_records(a)
    total = stats(erra)[0] if stats(erra) else -1
    t.check('text trace has a record per instruction, up to the limit', len(recs) == min(LIMIT, total),
            f'{len(recs)} records, {total} instructions')
    first = recs[0] if recs else ''
    t.check('records carry count, cycle, vcpu, EIP, bytes, disassembly',
            re.match(r'n=1 c=\d+ v=0 eip=[0-9a-f]{8} b=[0-9a-f]+ \| \S', first) is not None, first)
    t.check('registers written and memory touched appear',
            any(re.search(r' \| (\w+=0x[0-9a-f]+ ?)+ \| ', l) for l in recs) and
            any(re.search(r'w[124]@[0-9a-f]{8}=0x', l) for l in recs) and
            any(re.search(r'r[124]@[0-9a-f]{8}=0x', l) for l in recs))

    rc, out, _ = t.trace('diff', a, b)
    t.check('two runs (text and binary) are identical', rc == 0 and 'identical' in out, out)

    # Under the out-of-order timing model (a retire hook before the trace's): the same
    # instructions, registers and memory, stamped with the model's cycles.
    d = t.path('d.txt')
    rco, _, erro = t.pvlab_run(hello, '--timing', 'ooo', '--trace-insns', d, '--stats', *common)
    rcq, _, errq = t.pvlab_run(hello, '--timing', 'ooo', '--stats')
    t.check('--timing ooo --trace-insns runs, tracing changes no count',
            rco == rca and stats(erro) and stats(erro) == stats(errq) and 'pvlab: timing' in erro,
            f'rc {rco}: {stats(erro)} vs {stats(errq)}; {erro[-300:]}')
    ooo = text_records(d)
    unstamp = lambda recs: [re.sub(r' c=\d+ ', ' ', l) for l in recs]
    t.check('--timing ooo: the instruction trace is the atomic one apart from cycle stamps',
            len(ooo) == len(recs) and unstamp(ooo) == unstamp(recs),
            next((f'{x}\n  vs {y}' for x, y in zip(unstamp(ooo), unstamp(recs)) if x != y), f'{len(ooo)} vs {len(recs)}'))
    cyc = [int(m.group(1)) for m in (re.search(r' c=(\d+) ', l) for l in ooo) if m]
    t.check('--timing ooo: the stamps are the model\'s cycles (rising, unlike the atomic ones)',
            len(cyc) == len(ooo) and all(x <= y for x, y in zip(cyc, cyc[1:])) and
            cyc != [int(m.group(1)) for m in (re.search(r' c=(\d+) ', l) for l in recs) if m],
            str(cyc[:10]))
    rc, out, _ = t.trace('show', b)
    with open(a) as f:
        t.check('trace show prints the binary trace as the text one', rc == 0 and out == f.read())

    # A different command line: the first difference is where the kernel reads it.
    t.pvlab_run(hello, '--trace-insns', c, '--cmdline', 'console=hvc0 quiet', *common)
    rc, out, _ = t.trace('diff', a, c, '--context', '2')
    _, shown, _ = t.trace('show', c)
    other = [l for l in shown.splitlines() if l and not l.startswith('#')]
    expect = next((k for k, (x, y) in enumerate(zip(recs, other)) if x != y), None)
    m = re.search(r'traces differ at record (\d+) \(vcpu 0, n=(\d+), cycle (\d+), eip ([0-9a-f]+)\): (.+?):', out)
    t.check('a different --cmdline: diff exits 1 at the first differing record',
            rc == 1 and m and expect is not None and int(m.group(1)) == expect,
            f'rc {rc}, expected record {expect}: {out[:600]}')
    if m and expect is not None:
        t.check('the difference names the field and shows context',
                m.group(5) in ('register eax', 'register ecx', 'register edx', 'register ebx', 'register esi',
                               'register edi', 'register eflags') or m.group(5).startswith('memory access'))
        t.check('the context lines come before the two parting records',
                len([l for l in out.splitlines() if l.startswith('  n=')]) == 2 and '\n- n=' in out and
                '\n+ n=' in out, out)

    # A patched code byte: the first difference is the first instruction covering it.
    with open(hello, 'rb') as f:
        elf = bytearray(f.read())
    target = None
    for k, l in enumerate(recs[2000:], 2000):
        mm = re.match(r'n=\d+ c=\d+ v=0 eip=([0-9a-f]+) b=([0-9a-f]+) ', l)
        eip, nbytes = int(mm.group(1), 16), len(mm.group(2)) // 2
        if nbytes >= 2 and elf_offset(elf, eip + nbytes - 1) is not None:
            target = eip + nbytes - 1
            break
    expect = None
    if target is not None:
        for k, l in enumerate(recs):
            mm = re.match(r'n=\d+ c=\d+ v=0 eip=([0-9a-f]+) b=([0-9a-f]+) ', l)
            eip, nbytes = int(mm.group(1), 16), len(mm.group(2)) // 2
            if eip <= target < eip + nbytes:
                expect = k
                break
    patched = t.path('patched.elf')
    if target is not None:
        elf[elf_offset(elf, target)] ^= 0x01
    with open(patched, 'wb') as f:
        f.write(elf)
    d = t.path('d.pvt')
    t.pvlab_run(patched, '--trace-insns', d, *common)
    rc, out, _ = t.trace('diff', a, d)
    m = re.search(r'traces differ at record (\d+) .*?\): bytes:', out)
    t.check('a patched code byte: diff names the bytes at the first instruction covering it',
            rc == 1 and m and expect is not None and int(m.group(1)) == expect,
            f'target {target}, expected {expect}: {out[:400]}')

    # Event logs of the two command lines: the first differing event, as a line-by-line compare finds it.
    ea, ec = t.path('a.jsonl'), t.path('c.jsonl')
    t.pvlab_run(hello, '--trace-events', ea)
    t.pvlab_run(hello, '--trace-events', ec, '--cmdline', 'console=hvc0 quiet')
    with open(ea) as f:
        la = f.read().splitlines()
    with open(ec) as f:
        lc = f.read().splitlines()
    expect = next((k for k, (x, y) in enumerate(zip(la, lc)) if x != y), None)
    rc, out, _ = t.trace('diff', ea, ec)
    m = re.match(r'event logs differ at event (\d+)', out)
    t.check('event logs of two command lines: the first differing event',
            rc == 1 and m and expect is not None and int(m.group(1)) == expect, out[:300])
    bad = t.path('bad.jsonl')
    with open(bad, 'w') as f:
        f.write('{"cycle":1,"vcpu":0,"kind":"io"}\nnot json\n')
    rc, _, err = t.trace('diff', ea, bad)
    t.check('a damaged event log: exit 2 naming file and line', rc == 2 and 'bad.jsonl: line 2' in err, err)

    # Windows: --trace-start and --trace-limit.
    e = t.path('e.txt')
    start = int(re.match(r'n=\d+ c=(\d+)', recs[1000]).group(1))
    t.pvlab_run(hello, '--trace-insns', e, '--trace-start', str(start), '--trace-limit', '10')
    win = text_records(e)
    t.check('--trace-start and --trace-limit cut a window', win == recs[1000:1010], f'{win[:1]} vs {recs[1000:1001]}')

    # Bad input: exit 2 with the file named.
    junk = t.path('junk.pvt')
    with open(b, 'rb') as f:
        data = f.read()
    with open(junk, 'wb') as f:
        f.write(data[:len(data) // 2])
    rc, _, err = t.trace('diff', a, junk)
    t.check('a truncated binary trace: exit 2 naming file and offset', rc == 2 and junk in err and 'offset' in err, err)
    with open(junk, 'wb') as f:
        f.write(data[:8] + b'\x07\x00' + data[10:])
    rc, _, err = t.trace('show', junk)
    t.check('a wrong version: exit 2 naming it', rc == 2 and 'version 7' in err, err)
    rc, _, err = t.trace('diff', a, t.path('demo.jsonl'))
    t.check('an instruction trace against an event log: exit 2', rc == 2, err)
    rc, _, err = t.trace('diff', a, '/nonexistent/x.pvt')
    t.check('a missing file: exit 2', rc == 2 and 'x.pvt' in err, err)
    rc, _, err = t.pvlab_run(hello, '--trace-insns', '/nonexistent/dir/t.txt')
    t.check('an unwritable trace file: usage error', rc == 2 and 't.txt' in err, err)


def test_pc(t, rom):
    jl = t.path('rom.jsonl')
    rc, out, err = t.pvlab_run('--bios', rom, '--serial', 'none', '--trace-events', jl, '--max-insns', '2000000')
    try:
        with open(jl) as f:
            lines = [json.loads(l) for l in f if l.strip()]
    except (OSError, ValueError) as e:
        t.check('PC event log parses', False, str(e))
        return
    io = [l for l in lines if l['kind'] == 'io']
    t.check('PC port I/O is logged (the RTC index and data ports)',
            any(l['dir'] == 'out' and l['port'] == '0x70' for l in io) and
            any(l['dir'] == 'in' and l['port'] == '0x71' for l in io), io[:3])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--pvlab', required=True)
    ap.add_argument('--hello', required=True)
    ap.add_argument('--rom', required=True)
    ap.add_argument('--tmp', required=True)
    a = ap.parse_args()
    os.makedirs(a.tmp, exist_ok=True)
    t = T(a.pvlab, a.tmp)
    test_events(t)
    test_insns(t, a.hello)
    test_pc(t, a.rom)
    print(f'trace: {t.passed} passed, {t.failed} failed')
    return 1 if t.failed else 0


if __name__ == '__main__':
    sys.exit(main())
