#!/usr/bin/env python3
"""Snapshots and record / replay from the command line (docs/replay.md).

    test_replay.py --pvlab BUILD/frontend/pvlab --echo-rom fe_rom_echo.bin
                   --pc PC_KERNELS... --pv PV_KERNELS...

- every guest (each PC and PV kernel given, and the built-in demo guest) is recorded and
  replayed: the replay must report `replay: identical`;
- snapshots of a PC kernel, a PV kernel and a two-vcpu PV kernel: the run that writes the
  snapshot, the run restored from it and the run never interrupted agree on exit status,
  instruction and cycle counts and the state hash, the restored run prints the tail of the
  output, and two snapshots of one state are the same bytes; the same under --timing ooo with
  each engine (fast and cycle), the timing report included;
- input: a ROM that echoes COM1 gets a line on stdin while recording, and the replay gets it
  from the recording; the PV demo records stdin for its console;
- recordings with incremental snapshots replay from their first, middle and last
  checkpoints (rebuilt from the whole snapshot before and the incremental ones after it);
- a recording whose checkpoint hash or input was altered (checksum re-sealed) is reported as
  diverged with exit status 22; corrupt, truncated and foreign files are refused with exit
  status 2 and a message naming the problem.
The last line is `replay: N passed, N failed`.
"""
import argparse
import ctypes
import ctypes.util
import os
import shutil
import re
import struct
import subprocess
import sys
import tempfile

def _load_xxhash():
    for name in (ctypes.util.find_library('xxhash'), 'libxxhash.so.0'):
        if name:
            try:
                lib = ctypes.CDLL(name)
            except OSError:
                continue
            lib.XXH3_64bits_withSeed.restype = ctypes.c_uint64
            lib.XXH3_64bits_withSeed.argtypes = [ctypes.c_char_p, ctypes.c_size_t, ctypes.c_uint64]
            return lib
    sys.exit('test_replay: libxxhash (Debian libxxhash0) is needed to re-seal altered files')


_XXH = _load_xxhash()


def state_hash(b, seed=0):
    """pvlab's state_hash (frontend/state_file.cpp: XXH3_64bits), to re-seal altered files."""
    b = bytes(b)
    return _XXH.XXH3_64bits_withSeed(b, len(b), seed)


def sections(data):
    """(tag, payload offset, length) of each section of a pvlab state file."""
    count = struct.unpack_from('<I', data, 12)[0]
    pos, out = 16, []
    for _ in range(count):
        tag = data[pos:pos + 4].decode()
        length = struct.unpack_from('<Q', data, pos + 4)[0]
        out.append((tag, pos + 12, length))
        pos += 12 + length
    return out


def reseal(data):
    data = bytearray(data[:-8])
    return bytes(data) + struct.pack('<Q', state_hash(bytes(data)))


class Run:
    def __init__(self, p):
        self.rc, self.out, self.err = p.returncode, p.stdout.decode(errors='replace'), p.stderr.decode(errors='replace')

    def stat(self, what):
        m = re.search(r'^pvlab: (\d+) instructions, (\d+) cycles,', self.err, re.M)
        return int(m.group(1 if what == 'insns' else 2)) if m else None

    def hash(self):
        m = re.search(r'^pvlab: state hash ([0-9a-f]{16})$', self.err, re.M)
        return m.group(1) if m else None

    def timing(self):
        """The timing model's report (--stats under --timing ooo): CPI stacks, counters, functions."""
        return [l for l in self.err.splitlines() if l.startswith('pvlab: timing')]


class Tests:
    def __init__(self, pvlab, tmp):
        self.pvlab, self.tmp = pvlab, tmp
        self.passed = self.failed = 0

    def run(self, args, stdin=b'', timeout=300):
        p = subprocess.run([self.pvlab] + args, input=stdin, capture_output=True, timeout=timeout)
        return Run(p)

    def check(self, ok, name, detail=''):
        if ok:
            self.passed += 1
            print(f'PASS {name}')
        else:
            self.failed += 1
            print(f'FAIL {name}: {detail}')
        return ok

    def path(self, name):
        return os.path.join(self.tmp, name)

    # ---- record and replay every guest ----
    def record_replay(self, name, args, stdin=b''):
        # About four checkpoints per run, from the length of a plain run.
        plain = self.run(['run', '--stats', '--debugcon', 'none', '--serial', 'none',
                          '--max-insns', '500000000'] + args)
        interval = max((plain.stat('cycles') or 4000) // 4, 1000)
        rec = self.path(name + '.pvr')
        r = self.run(['record', '-o', rec, '--snapshot-interval', str(interval), '--max-insns', '500000000',
                      '--debugcon', 'none', '--serial', 'none'] + args, stdin)
        if not self.check(os.path.exists(rec) and 'recorded' in r.err, f'record {name}', r.err[-500:]):
            return None
        p = self.run(['replay', '-q', rec])
        m = re.search(r'^replay: identical \((\d+) checkpoints\)$', p.err, re.M)
        # A PV run stops for a checkpoint only between scheduling quanta (20,000 instructions),
        # so a run shorter than a few quanta may have only its final checkpoint.
        want = 2 if (plain.stat('cycles') or 0) >= 100000 else 1
        self.check(p.rc == 0 and m is not None and int(m.group(1)) >= want, f'replay {name}',
                   f'rc {p.rc}: {p.err[-500:]}')
        return rec

    # ---- an image that moved: --image gives its bytes, the recorded path stays ----
    def moved_image(self, name, rec, image):
        moved = self.path(name + '-moved.elf')
        shutil.copyfile(image, moved)
        p = self.run(['replay', '-q', rec, '--image', moved])
        self.check(p.rc == 0 and 'replay: identical' in p.err, f'replay {name} --image (a copy elsewhere)',
                   f'rc {p.rc}: {p.err[-300:]}')
        with open(moved, 'r+b') as f:   # a different image is caught, not replayed
            f.seek(0x40)
            b = f.read(1)
            f.seek(0x40)
            f.write(bytes([b[0] ^ 0xff]))
        p = self.run(['replay', '-q', rec, '--image', moved])
        self.check(p.rc != 0, f'replay {name} --image with other bytes is refused or diverges', f'rc {p.rc}: {p.err[-300:]}')

    # ---- incremental snapshots: replay from a checkpoint ----
    def from_checkpoint(self, name, args, stdin=b'', exact_whole=True):
        plain = self.run(['run', '--stats', '--debugcon', 'none', '--serial', 'none',
                          '--max-insns', '500000000'] + args)
        interval = max((plain.stat('cycles') or 10000) // 10, 1000)
        rec = self.path(name + '-snaps.pvr')
        r = self.run(['record', '-o', rec, '--snapshot-interval', str(interval), '--with-snapshots',
                      '--full-every', '4', '--max-insns', '500000000', '--debugcon', 'none',
                      '--serial', 'none'] + args, stdin)
        if not self.check(os.path.exists(rec) and 'recorded' in r.err, f'record {name} with snapshots', r.err[-500:]):
            return
        info = self.run(['replay', '--info', rec])
        m = re.search(r'^checkpoints: (\d+) every \d+ cycles \((\d+) with snapshots: (\d+) whole, (\d+) incremental',
                      info.out, re.M)
        if not self.check(m is not None and int(m.group(1)) >= 2 and int(m.group(4)) > 0,
                          f'{name}: the snapshots after the first are incremental', info.out):
            return
        n = int(m.group(1))
        # A whole snapshot every 4 checkpoints, or sooner when the incremental ones outgrow the
        # last whole one (as under --timing ooo, whose model state is in every snapshot).
        whole = int(m.group(3))
        self.check(whole == (n + 3) // 4 if exact_whole else (n + 3) // 4 <= whole < n,
                   f'{name}: a whole snapshot every 4 checkpoints', info.out)
        for k in sorted({1, 2, n // 2, n - 1, n}):
            p = self.run(['replay', '-q', '--from-checkpoint', str(k), rec])
            self.check(p.rc == 0 and 'replay: identical' in p.err and f'replaying from checkpoint {k} ' in p.err,
                       f'{name}: replay from checkpoint {k} of {n}', f'rc {p.rc}: {p.err[-400:]}')
        p = self.run(['replay', '-q', '--from-checkpoint', str(n + 1), rec])
        self.check(p.rc == 2 and 'checkpoints' in p.err, f'{name}: a checkpoint past the last is refused',
                   f'rc {p.rc}: {p.err[-300:]}')
        # An incremental snapshot cut short inside the recording (checksum re-sealed): refused
        # with a message naming the checkpoint.
        data = bytearray(open(rec, 'rb').read())
        at = bytes(data).find(b'PVLABDLT')
        if self.check(at > 0, f'{name}: the recording holds incremental snapshots'):
            data[at + 40] ^= 0xff
            f = self.path(name + '-bad-delta.pvr')
            open(f, 'wb').write(reseal(data))
            p = self.run(['replay', '-q', '--from-checkpoint', '2', f])
            self.check(p.rc == 2 and 'checkpoint 2' in p.err, f'{name}: a corrupt incremental snapshot is refused',
                       f'rc {p.rc}: {p.err[-300:]}')

    # ---- record and replay under the out-of-order timing model ----
    def record_replay_ooo(self, name, args, engine='fast'):
        eng = ['--timing-engine', engine]
        plain = self.run(['run', '--stats', '--timing', 'ooo', '--serial', 'none'] + eng + args)
        name = name + ('' if engine == 'fast' else '-' + engine)
        rec = self.path(name + '-ooo.pvr')
        r = self.run(['record', '-o', rec, '--snapshot-interval', '300000', '--timing', 'ooo', '--stats',
                      '--serial', 'none'] + eng + args)
        timed = re.search(r'^pvlab: timing \S+: \d+ instructions', r.err, re.M) is not None
        if not self.check(os.path.exists(rec) and 'recorded' in r.err and timed, f'record {name} --timing ooo',
                          r.err[-500:]):
            return
        # Cut at stop points, the recorded run is the plain run under the same model.
        self.check(r.stat('cycles') == plain.stat('cycles') and r.stat('insns') == plain.stat('insns'),
                   f'record {name} --timing ooo: the run a plain --timing ooo run is',
                   f'{r.stat("cycles")} cycles vs {plain.stat("cycles")}')
        info = self.run(['replay', '--info', rec])
        self.check('--timing ooo' in info.out + info.err, f'replay --info {name}: names the timing model',
                   (info.out + info.err)[-300:])
        p = self.run(['replay', '-q', rec])
        m = re.search(r'^replay: identical \((\d+) checkpoints\)$', p.err, re.M)
        self.check(p.rc == 0 and m is not None and int(m.group(1)) >= 2, f'replay {name} --timing ooo',
                   f'rc {p.rc}: {p.err[-500:]}')

    # ---- snapshots ----
    def snapshot(self, name, args):
        full = self.run(['run', '--hash', '--stats', '--debugcon', 'none'] + args)
        if not self.check(full.hash() and full.stat('cycles'), f'snapshot {name}: plain run', full.err[-300:]):
            return None
        at = full.stat('cycles') // 2
        s1, s2 = self.path(name + '-1.snap'), self.path(name + '-2.snap')
        cut = self.run(['run', '--hash', '--stats', '--debugcon', 'none', '--snapshot-at', str(at), '-o', s1] + args)
        self.run(['run', '--debugcon', 'none', '--snapshot-at', str(at), '-o', s2, '--snapshot-stop'] + args)
        same = lambda a, b: (a.rc, a.out, a.hash(), a.stat('insns'), a.stat('cycles')) == \
            (b.rc, b.out, b.hash(), b.stat('insns'), b.stat('cycles'))
        self.check(same(full, cut), f'snapshot {name}: taking a snapshot does not change the run',
                   f'{full.err[-300:]} // {cut.err[-300:]}')
        self.check(os.path.exists(s1) and open(s1, 'rb').read() == open(s2, 'rb').read(),
                   f'snapshot {name}: two snapshots of one state are the same bytes')
        res = self.run(['run', '--restore', s1, '--hash', '--stats', '--debugcon', 'none'])
        self.check((res.rc, res.hash(), res.stat('insns'), res.stat('cycles')) ==
                   (full.rc, full.hash(), full.stat('insns'), full.stat('cycles')),
                   f'snapshot {name}: restored run ends like the uninterrupted one',
                   f'rc {res.rc} vs {full.rc}; {res.err[-400:]} // {full.err[-300:]}')
        self.check(full.out.endswith(res.out) and len(res.out) < len(full.out) or full.out == res.out == '',
                   f'snapshot {name}: restored run prints the rest of the output', repr(res.out[-200:]))
        info = self.run(['snapshot', 'info', s1])
        self.check(info.rc == 0 and 'state hash' in info.out and 'RAM_' in info.out,
                   f'snapshot {name}: snapshot info', info.out + info.err)
        return s1

    # ---- snapshots under the out-of-order timing model ----
    def snapshot_ooo(self, name, args, cut=0.5, engine='fast'):
        ooo = ['--timing', 'ooo', '--timing-engine', engine, '--hash', '--stats', '--debugcon', 'none',
               '--serial', 'none']
        name = name + ('' if engine == 'fast' else '-' + engine)
        full = self.run(['run'] + ooo + args)
        if not self.check(full.hash() and full.stat('cycles') and len(full.timing()) >= 3,
                          f'snapshot {name} --timing ooo: plain run', full.err[-300:]):
            return
        s1 = self.path(name + '-ooo.snap')
        at = int(full.stat('cycles') * cut)
        c = self.run(['run'] + ooo + ['--snapshot-at', str(at), '-o', s1] + args)
        self.check((c.rc, c.hash(), c.stat('cycles'), c.timing()) == (full.rc, full.hash(), full.stat('cycles'), full.timing()),
                   f'snapshot {name} --timing ooo: taking a snapshot does not change the run', c.err[-300:])
        res = self.run(['run', '--restore', s1, '--hash', '--stats', '--debugcon', 'none', '--serial', 'none'])
        # Warm caches, predictor and window: the same cycles, CPI stack and counters to the end.
        self.check((res.rc, res.hash(), res.stat('insns'), res.stat('cycles')) ==
                   (full.rc, full.hash(), full.stat('insns'), full.stat('cycles')),
                   f'snapshot {name} --timing ooo: restored run ends at the same cycle and state',
                   f'{res.stat("cycles")} cycles vs {full.stat("cycles")}; {res.err[-300:]}')
        diff = [(a, b) for a, b in zip(res.timing(), full.timing()) if a != b]
        self.check(res.timing() == full.timing(), f'snapshot {name} --timing ooo: restored run has the same timing report',
                   f'{len(res.timing())} vs {len(full.timing())} lines; first difference {diff[:1]}')
        info = self.run(['snapshot', 'info', s1])
        self.check(info.rc == 0 and '--timing ooo' in info.out, f'snapshot {name} --timing ooo: info names the model',
                   info.out[-300:])
        r = self.run(['run', '--restore', s1, '--timing-config', 'x.ini'])
        self.check(r.rc == 2 and 'the timing model the snapshot was taken with' in r.err,
                   f'snapshot {name} --timing ooo: a restore takes no other timing configuration', r.err[-300:])

    def bad_snapshots(self, snap, other_image):
        data = open(snap, 'rb').read()
        cases = {
            'truncated': (data[:len(data) // 3], r'truncated'),
            'corrupt': (data[:100] + bytes([data[100] ^ 0x40]) + data[101:], r'checksum mismatch'),
            'wrong version': (data[:8] + struct.pack('<I', 77) + data[12:], r'format version 77'),
            'older version': (data[:8] + struct.pack('<I', 1) + data[12:],
                              r'format version 1, .*made by an older pvlab'),
            'not a snapshot': (b'hello world, not a snapshot at all', r'not a pvlab snapshot'),
        }
        for what, (blob, pattern) in cases.items():
            f = self.path('bad.snap')
            open(f, 'wb').write(blob)
            r = self.run(['run', '--restore', f])
            self.check(r.rc == 2 and re.search(pattern, r.err) and 'at byte' in r.err,
                       f'snapshot refused: {what}', f'rc {r.rc}: {r.err[-300:]}')
        r = self.run(['run', '--restore', snap, other_image])
        self.check(r.rc == 2 and 'is not the one the file was made from' in r.err,
                   'snapshot refused for another image', f'rc {r.rc}: {r.err[-300:]}')

    def bad_recordings(self, rec, snap):
        data = open(rec, 'rb').read()
        secs = {t: (off, n) for t, off, n in sections(data)}
        # A checkpoint hash changed, the checksum re-sealed: the replay must see the divergence.
        off, n = secs['CHKP']
        count = struct.unpack_from('<I', data, off)[0]
        if self.check(count > 0, 'tamper: the recording has checkpoints'):
            pos = off + 4 + 24   # the first checkpoint's hash
            t = bytearray(data)
            t[pos] ^= 0x01
            f = self.path('tampered.pvr')
            open(f, 'wb').write(reseal(t))
            r = self.run(['replay', '-q', f])
            m = re.search(r'^replay: diverged at cycle (\d+) \(expected hash ([0-9a-f]{16}), got ([0-9a-f]{16})\)$',
                          r.err, re.M)
            self.check(r.rc == 22 and m is not None and m.group(2) != m.group(3),
                       'tamper: a changed checkpoint hash is reported as divergence', f'rc {r.rc}: {r.err[-300:]}')
        # The end's hash changed.
        off, n = secs['END_']
        t = bytearray(data)
        t[off + 16] ^= 0x80
        f = self.path('tampered-end.pvr')
        open(f, 'wb').write(reseal(t))
        r = self.run(['replay', '-q', f])
        self.check(r.rc == 22 and 'replay: diverged at cycle' in r.err,
                   'tamper: a changed final hash is reported as divergence', f'rc {r.rc}: {r.err[-300:]}')
        cases = {
            'corrupt': (data[:40] + bytes([data[40] ^ 1]) + data[41:], r'checksum mismatch'),
            'truncated': (data[:len(data) - 20], r'truncated|checksum'),
            'a snapshot': (open(snap, 'rb').read(), r'not a pvlab recording'),
        }
        for what, (blob, pattern) in cases.items():
            f = self.path('bad.pvr')
            open(f, 'wb').write(blob)
            r = self.run(['replay', f])
            self.check(r.rc == 2 and re.search(pattern, r.err) and 'at byte' in r.err,
                       f'recording refused: {what}', f'rc {r.rc}: {r.err[-300:]}')

    def input_tests(self, echo_rom):
        line = b'hello pvlab\n'
        rec = self.path('echo.pvr')
        r = self.run(['record', '-o', rec, '--bios', echo_rom, '--snapshot-interval', '100000',
                      '--max-insns', '50000000'], stdin=line)
        self.check(r.rc == 1 and 'hello pvlab' in r.out, 'input: the echo ROM echoes stdin while recording',
                   f'rc {r.rc}: {r.out!r} {r.err[-300:]}')
        p = self.run(['replay', rec])
        self.check(p.rc == 0 and 'replay: identical' in p.err and 'hello pvlab' in p.out,
                   'input: the replay feeds the recorded line', f'rc {p.rc}: {p.out!r} {p.err[-300:]}')
        info = self.run(['replay', '--info', rec])
        self.check(re.search(r'^inputs: [1-9]\d* \(12 bytes\)$', info.out, re.M) is not None,
                   'input: the recording holds the line', info.out)
        # The input altered (same length, checksum re-sealed): the run must part from the record.
        data = bytearray(open(rec, 'rb').read())
        at = bytes(data).find(b'hello pvlab')
        data[at] = ord('j')
        f = self.path('echo-tampered.pvr')
        open(f, 'wb').write(reseal(data))
        p = self.run(['replay', '-q', f])
        self.check(p.rc == 22 and 'replay: diverged at cycle' in p.err,
                   'input: altered input is reported as divergence', f'rc {p.rc}: {p.err[-300:]}')
        # The PV demo's console gets stdin through the same queue.
        rec = self.record_replay('pv-demo-input', [], stdin=b'typed at the console\n')
        if rec:
            info = self.run(['replay', '--info', rec])
            self.check(re.search(r'^inputs: [1-9]', info.out, re.M) is not None,
                       'input: the PV console input is recorded', info.out)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--pvlab', required=True)
    ap.add_argument('--echo-rom', required=True)
    ap.add_argument('--pc', nargs='*', default=[])
    ap.add_argument('--pv', nargs='*', default=[])
    ap.add_argument('--cmdline', default='tsc_khz=1000000 apic_khz=100000')
    # The benchmark kernels (run briefly: a few iterations), the timing microbenchmark
    # kernel, and other PV kernels run as they are (GRUB for Xen).
    ap.add_argument('--bench', nargs='*', default=[])
    ap.add_argument('--pc-plain', nargs='*', default=[])
    ap.add_argument('--pv-plain', nargs='*', default=[])
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        t = Tests(args.pvlab, tmp)
        name = lambda k: os.path.basename(k).removesuffix('.elf')
        rec = None
        for k in args.pc:
            r = t.record_replay(name(k), ['--cmdline', args.cmdline, k])
            if name(k).endswith('interrupts'):
                rec = r
        for i, k in enumerate(args.pv):
            r = t.record_replay(name(k) + '-2vcpus', ['--vcpus', '2', k])
            if i == 0 and r:
                t.moved_image(name(k), r, k)
        for k in args.bench:
            t.record_replay(name(k), ['--cmdline', 'iters=3', k])
        for k in args.pc_plain:
            t.record_replay(name(k), [k])
        for k in args.pv_plain:
            t.record_replay(name(k), [k])
        t.record_replay('builtin-demo', [])
        t.record_replay_ooo('builtin-demo', [])
        t.record_replay_ooo('builtin-demo', [], engine='cycle')
        snap = None
        for k in args.pc:
            if name(k).endswith('interrupts'):
                snap = t.snapshot(name(k), ['--cmdline', args.cmdline, k]) or snap
        for k in args.pv:
            if name(k).endswith('-time'):
                t.snapshot(name(k), [k])
            if name(k).endswith('-vcpus'):
                t.snapshot(name(k) + '-2vcpus', ['--vcpus', '2', k])
        t.snapshot('builtin-demo', [])
        # Under both timing engines: the cycle engine's snapshots hold everything in flight.
        for engine in ('fast', 'cycle'):
            t.snapshot_ooo('builtin-demo', [], engine=engine)
            for k in args.pc:
                if name(k).endswith('interrupts'):
                    t.snapshot_ooo(name(k), ['--cmdline', args.cmdline, k], cut=0.4, engine=engine)
            for k in args.bench:
                if name(k) == 'memloop':
                    t.snapshot_ooo(name(k), ['--cmdline', 'iters=3', k], cut=0.37, engine=engine)
            for k in args.pv:
                if name(k).endswith('-vcpus'):
                    t.snapshot_ooo(name(k) + '-2vcpus', ['--vcpus', '2', k], cut=0.3, engine=engine)
        if snap and args.pv:
            t.bad_snapshots(snap, args.pv[0])
        if rec and snap:
            t.bad_recordings(rec, snap)
        t.input_tests(args.echo_rom)
        t.from_checkpoint('pv-demo', [], stdin=b'typed at the console\n')
        for k in args.pc:
            if name(k).endswith('interrupts'):
                t.from_checkpoint(name(k), ['--cmdline', args.cmdline, k])
        for k in args.pv:
            if name(k).endswith('-mm'):
                t.from_checkpoint(name(k), [k])
        for k in args.bench[:1]:
            t.from_checkpoint(name(k), ['--cmdline', 'iters=3', k])
            # Under the out-of-order model the snapshots carry its state: a replay started
            # at a checkpoint ends with the recorded cycles and hash.
            t.from_checkpoint(name(k) + '-ooo', ['--timing', 'ooo', '--cmdline', 'iters=3', k], exact_whole=False)
            t.from_checkpoint(name(k) + '-ooo-cycle', ['--timing', 'ooo', '--timing-engine', 'cycle',
                                                       '--cmdline', 'iters=3', k], exact_whole=False)
        if rec:
            p = t.run(['replay', '-q', '--from-checkpoint', '1', rec])
            t.check(p.rc == 2 and 'no snapshot' in p.err, 'a recording without snapshots cannot start at a checkpoint',
                    f'rc {p.rc}: {p.err[-300:]}')
        print(f'replay: {t.passed} passed, {t.failed} failed')
        return 1 if t.failed or not t.passed else 0


if __name__ == '__main__':
    sys.exit(main())
