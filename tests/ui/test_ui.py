#!/usr/bin/env python3
"""The GUI debugger in a real window: `pvlab debug --script` under Xvfb.

Two scripted sessions, each a list of GUI actions (ui/script.h) run through the same code the
buttons use:
  - the built-in demo guest (the PV demo; --pv-elf is the same kernel, for its symbols):
    single steps (EIP moves, the instruction counter grows by exactly the
    number of steps), a breakpoint on a symbol and a run to it (EIP is the symbol's address
    as `nm` reads it from the ELF), run to cursor, every window opened and a screenshot, a
    run to the end (the hypercall log holds calls, some refused), then a register and a
    memory edit;
  - a long-running bare-metal kernel (--long-elf, told to loop for minutes): Run, then Pause
    stops it;
  - a bare-metal kernel with 2-level paging (the paging conformance kernel): a breakpoint on
    `expect_pf`, reached with paging on, the page-table explorer, TLB and descriptor views,
    and a screenshot;
  - the same kernel under --timing ooo: after a run to `expect_pf` and after three steps,
    `print timing` shows a CPI stack that adds up to the cycle counter and a non-zero IPC, and
    the Timing window is drawn; the PV demo on the skylake configuration runs to its end and
    its stack adds up too.
Each screenshot must be a valid PNG of the window's size that is not blank, and every window
the script printed as drawn must show more than one colour in its rectangle.

    test_ui.py --pvlab BUILD/frontend/pvlab --pv-elf BUILD/guests/pv-demo.elf \
               --pc-elf BUILD/guests/test-paging.elf --long-elf BUILD/guests/intloop.elf \
               --skylake cpu/timing/configs/skylake.ini [--out DIR]

Exit status 77 (skipped) only when Xvfb is missing or cannot start; the last line is
`ui: N passed, N failed`.
"""
import argparse
import os
import re
import select
import shutil
import struct
import subprocess
import sys
import tempfile
import zlib

WIDTH, HEIGHT = 1440, 900
TIMEOUT = 240

PV_WINDOWS = ['Controls', 'Registers', 'Disassembly', 'Stack', 'Breakpoints', 'Console', 'Memory',
              'Page tables', 'TLB', 'Descriptor tables', 'Hypercalls', 'Event channels', 'Frame table']
PC_WINDOWS = ['Controls', 'Registers', 'Disassembly', 'Page tables', 'TLB', 'Descriptor tables']

results = []


def check(ok: bool, what: str) -> None:
    results.append(ok)
    print(('PASS ' if ok else 'FAIL ') + what)


def start_xvfb():
    xvfb = shutil.which('Xvfb')
    if not xvfb:
        return None, None, 'Xvfb is not installed'
    r, w = os.pipe()
    # The server's messages go to a file, not a pipe nobody reads (a full pipe would stall it).
    log = tempfile.TemporaryFile()
    proc = subprocess.Popen([xvfb, '-displayfd', str(w), '-screen', '0', '1600x1000x24', '-nolisten', 'tcp',
                             '-noreset'], pass_fds=(w,), stdout=subprocess.DEVNULL, stderr=log)
    os.close(w)
    number = b''
    ready, _, _ = select.select([r], [], [], 20)
    if ready:
        number = os.read(r, 64)
    os.close(r)
    if not number.strip().isdigit():
        proc.kill()
        proc.wait()
        log.seek(0)
        err = log.read().decode(errors='replace')[-500:]
        return None, None, 'Xvfb did not start: ' + err
    return proc, ':' + number.decode().strip(), None


def symbols(elf: str) -> dict:
    out = subprocess.run(['nm', elf], capture_output=True, text=True, check=True).stdout
    syms = {}
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[1] in 'tTdDbBrR':
            syms.setdefault(parts[2], int(parts[0], 16))
    return syms


def read_png(path: str):
    """(width, height, rows of RGB bytes) of an 8-bit RGB or RGBA, non-interlaced PNG."""
    with open(path, 'rb') as f:
        data = f.read()
    if data[:8] != b'\x89PNG\r\n\x1a\n':
        raise ValueError('not a PNG signature')
    pos, idat, width = 8, b'', None
    while pos < len(data):
        n, kind = struct.unpack('>I4s', data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if zlib.crc32(kind + body) != struct.unpack('>I', data[pos + 8 + n:pos + 12 + n])[0]:
            raise ValueError(f'bad CRC in chunk {kind!r}')
        if kind == b'IHDR':
            width, height, depth, color, _, _, interlace = struct.unpack('>IIBBBBB', body)
            if depth != 8 or color not in (2, 6) or interlace:
                raise ValueError('not 8-bit RGB(A), non-interlaced')
            bpp = 3 if color == 2 else 4
        elif kind == b'IDAT':
            idat += body
        elif kind == b'IEND':
            break
        pos += 12 + n
    if width is None:
        raise ValueError('no IHDR')
    raw = zlib.decompress(idat)
    stride = width * bpp
    rows, prev = [], bytearray(stride)
    for y in range(height):
        ft = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if ft == 1:
                line[i] = (line[i] + a) & 255
            elif ft == 2:
                line[i] = (line[i] + b) & 255
            elif ft == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif ft == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(line) if bpp == 3 else bytes(v for k, v in enumerate(line) if k % 4 != 3))
        prev = line
    return width, height, rows


def colours(rows, x0, y0, x1, y1) -> int:
    seen = set()
    for y in range(max(0, y0), min(len(rows), y1), 3):
        row = rows[y]
        for x in range(max(0, x0), min(len(row) // 3, x1), 3):
            seen.add(row[3 * x:3 * x + 3])
            if len(seen) > 64:
                return len(seen)
    return len(seen)


def run_debugger(args, display, image, script_text, name, extra=(), expect=0):
    script = os.path.join(args.out, name + '.script')
    with open(script, 'w') as f:
        f.write(script_text)
    env = dict(os.environ, DISPLAY=display, XDG_CONFIG_HOME=os.path.join(args.out, 'config'),
               LIBGL_ALWAYS_SOFTWARE='1', XDG_RUNTIME_DIR=args.out)
    cmd = [args.pvlab, 'debug', '--script', script, '--width', str(WIDTH), '--height', str(HEIGHT)]
    cmd += list(extra)
    if image:
        cmd.append(image)
    try:
        p = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        check(False, f'{name}: pvlab debug finished within {TIMEOUT} s')
        return None
    sys.stdout.write(p.stdout)
    sys.stderr.write(p.stderr)
    check(p.returncode == expect, f'{name}: pvlab debug --script exits {expect} (got {p.returncode})')
    return p.stdout


def values(out: str, key: str):
    return [m.group(1) for m in re.finditer(r'^script: ' + re.escape(key) + r'(.*)$', out, re.M)]


def reg_values(out: str, reg: str):
    return [int(v, 16) for v in values(out, f'reg {reg}=')]


def check_screenshot(path: str, out: str, expected, name: str):
    try:
        w, h, rows = read_png(path)
    except (OSError, ValueError, zlib.error) as e:
        check(False, f'{name}: {path} is a valid PNG ({e})')
        return
    check(True, f'{name}: {path} is a valid PNG')
    check((w, h) == (WIDTH, HEIGHT), f'{name}: the screenshot is {WIDTH}x{HEIGHT} (got {w}x{h})')
    check(colours(rows, 0, 0, w, h) > 16, f'{name}: the screenshot is not blank')
    drawn = {}
    for v in values(out, 'window '):
        title, x, y, ww, hh = v.split('|')
        drawn[title] = (int(x), int(y), int(ww), int(hh))
    for title in expected:
        ok = title in drawn
        if ok:
            x, y, ww, hh = drawn[title]
            ok = colours(rows, x, y, x + ww, y + hh) > 3
        check(ok, f'{name}: window "{title}" was drawn and shows content')


def pv_session(args, display):
    syms = symbols(args.pv_elf)
    shot = os.path.join(args.out, 'pv-all.png')
    out = run_debugger(args, display, None, f"""
print reg eip
print counters
step 5
print reg eip
print counters
break main
run
print reg eip
print counters
step 1
print reg eip
cursor batched_updates
runcursor
print reg eip
translate main
open all
tab PV traps
frames 3
print windows
screenshot {shot}
delete main
run
print status
print hypercalls
hcexpand
frames 3
print reg eip
setreg eax 12345678
print reg eax
poke esp 5a
print byte esp
quit
""", 'pv')
    if out is None:
        return
    eips = reg_values(out, 'eip')
    counters = [int(m) for m in re.findall(r'^script: counters insns=(\d+)', out, re.M)]
    check(len(eips) >= 5 and len(counters) >= 3, 'pv: the script printed EIP and the counters')
    if len(eips) < 5 or len(counters) < 3:
        return
    check(counters[1] == counters[0] + 5, f'pv: five steps retire five instructions ({counters[0]} -> {counters[1]})')
    check(eips[1] != eips[0], f'pv: the steps moved EIP ({eips[0]:#x} -> {eips[1]:#x})')
    check('main' in syms and eips[2] == syms['main'],
          f'pv: the breakpoint on main stops at its address ({eips[2]:#x}, nm says {syms.get("main", 0):#x})')
    check(counters[2] > counters[1], 'pv: the run to main retired instructions')
    check(eips[3] != eips[2], 'pv: a step from the breakpoint leaves it')
    check('batched_updates' in syms and eips[4] == syms['batched_updates'],
          f'pv: run to cursor stops at the selected line ({eips[4]:#x}, nm says '
          f'{syms.get("batched_updates", 0):#x})')
    check(reg_values(out, 'eax') == [0x12345678], 'pv: the register edit took effect')
    check(any(v.endswith('=0x5a') for v in values(out, 'byte ')), 'pv: the memory edit took effect')
    check_screenshot(shot, out, PV_WINDOWS, 'pv')
    hc = re.search(r'^script: hypercalls total=(\d+) refused=(\d+)', out, re.M)
    check(bool(hc) and int(hc.group(1)) > 10 and int(hc.group(2)) >= 1,
          'pv: after the run the hypercall log holds calls, some refused' + (f' ({hc.group(0)})' if hc else ''))
    status = values(out, 'status ')
    check(bool(status) and 'domain poweroff' in status[-1],
          f'pv: the demo ran to its end and powered off ({status[-1] if status else "no status"})')


def pc_session(args, display):
    syms = symbols(args.pc_elf)
    shot = os.path.join(args.out, 'pc-paging.png')
    out = run_debugger(args, display, args.pc_elf, f"""
break expect_pf
run
print reg eip
print reg cr0
print reg cr4
print timing
translate expect_pf
close breakpoints
close console
close stack
close memory
open tlb
open descriptors
tab IDT
frames 3
print windows
screenshot {shot}
quit
""", 'pc')
    if out is None:
        return
    eips = reg_values(out, 'eip')
    check(len(eips) == 1 and 'expect_pf' in syms and eips[0] == syms['expect_pf'],
          f'pc: the breakpoint on expect_pf stops at its address ({[hex(e) for e in eips]}, '
          f'nm says {syms.get("expect_pf", 0):#x})')
    cr0, cr4 = reg_values(out, 'cr0'), reg_values(out, 'cr4')
    check(len(cr0) == 1 and bool(cr0[0] & 0x80000000) and len(cr4) == 1 and not cr4[0] & 0x20,
          'pc: the kernel stopped with 2-level paging on')
    check(values(out, 'timing ') == ['atomic'], 'pc: without --timing the Timing window names the atomic model')
    check_screenshot(shot, out, PC_WINDOWS, 'pc')


def catches_session(args, display):
    """The PV catches of the Breakpoints window: a refused page-table update, then an event
    upcall (EIP at the callback), and a screenshot of the Event channels window alone."""
    syms = symbols(args.pv_elf)
    shot = os.path.join(args.out, 'pv-evtchn.png')
    out = run_debugger(args, display, None, f"""
catch rejected
run
print status
catch upcall
run
print status
print reg eip
place evtchn 20 60 700 360
screenshot {shot} evtchn
quit
""", 'catches')
    if out is None:
        return
    status = values(out, 'status ')
    check(len(status) == 2 and re.match(r'update refused on vcpu 0: mmu_update = -16: .+', status[0]) is not None,
          f'catches: a refused page-table update stops the demo with its reason ({status[:1]})')
    check(len(status) == 2 and re.match(r'event upcall on vcpu 0 to e019:[0-9a-f]{8}, port \d+', status[1]) is not None,
          f'catches: an event upcall stops the demo ({status[1:]})')
    eips = reg_values(out, 'eip')
    check(len(eips) == 1 and 'ev_entry0' in syms and eips[0] == syms['ev_entry0'],
          f'catches: EIP is at the event callback ({[hex(e) for e in eips]}, nm says {syms.get("ev_entry0", 0):#x})')
    try:
        w, h, rows = read_png(shot)
        check((w, h) == (700, 360) and colours(rows, 0, 0, w, h) > 3,
              f'catches: the Event channels window alone, {w}x{h}, not blank')
    except (OSError, ValueError, zlib.error) as e:
        check(False, f'catches: {shot} is a valid PNG ({e})')


def pause_session(args, display):
    out = run_debugger(args, display, args.long_elf, """
start
frames 20
pause
print status
print counters
quit
""", 'pause', ['--cmdline', 'iters=100000000'])
    if out is None:
        return
    status = values(out, 'status ')
    counters = [int(m) for m in re.findall(r'^script: counters insns=(\d+)', out, re.M)]
    check(bool(status) and status[0].startswith('paused'), f'pause: Pause stops a run ({status})')
    check(bool(counters) and counters[0] > 0, f'pause: the run retired instructions before the pause ({counters})')


def reverse_session(args, display):
    """Step back, reverse continue and the timeline: the same registers and counters as forward."""
    out = run_debugger(args, display, args.pc_elf, """
break expect_pf
run
print reg eip
print counters
step 5
print counters
back 5
print reg eip
print counters
step 5
rcontinue
print reg eip
print counters
goto 0
print timeline
print counters
goto 3
back
print counters
quit
""", 'reverse', ['--reverse-interval', '20000', '-m', '16M'])
    if out is None:
        return
    eips = reg_values(out, 'eip')
    counters = [(int(i), int(c)) for i, c in re.findall(r'^script: counters insns=(\d+) cycles=(\d+)', out, re.M)]
    timeline = re.search(r'^script: timeline begin=(\d+) end=(\d+) now=(\d+)', out, re.M)
    check(len(eips) == 3 and len(counters) == 6, f'reverse: the script printed ({eips}, {counters})')
    if len(eips) != 3 or len(counters) != 6:
        return
    check(counters[1][0] == counters[0][0] + 5, f'reverse: five steps forward ({counters[:2]})')
    check(eips[1] == eips[0] and counters[2] == counters[0],
          f'reverse: back 5 returns to the breakpoint with its counters ({eips[:2]}, {counters[:3]})')
    check(eips[2] == eips[0] and counters[3] == counters[0],
          f'reverse: reverse continue returns to the breakpoint hit ({eips}, {counters[3]})')
    check(timeline is not None and int(timeline.group(1)) == 0 and int(timeline.group(3)) == 0 and
          int(timeline.group(2)) == counters[1][0] and counters[4] == (0, 0),
          f'reverse: the timeline goes to instruction 0 ({timeline and timeline.group(0)}, {counters[4]})')
    check(counters[5][0] == 2, f'reverse: goto 3 then back is instruction 2 ({counters[5]})')


def timing_session(args, display):
    """--timing ooo: after a run to a breakpoint the Timing window's CPI stack adds up to the
    machine's cycle counter and the IPC is not zero; a step moves both on together; a step back
    returns both to where they were (the reverse history holds the model's state)."""
    shot = os.path.join(args.out, 'pc-timing.png')
    out = run_debugger(args, display, args.pc_elf, f"""
break expect_pf
run
print counters
print timing
step 3
print counters
print timing
back 3
print counters
print timing
step 3
place timing 20 60 900 700
print windows
screenshot {shot} timing
quit
""", 'timing', ['--timing', 'ooo', '--reverse-interval', '20000'])
    if out is None:
        return
    counters = [int(c) for c in re.findall(r'^script: counters insns=\d+ cycles=(\d+)', out, re.M)]
    timing = re.findall(r'^script: timing (\S+) vcpu=0 insns=(\d+) cycles=(\d+) from=(\d+) ipc=([0-9.]+)', out, re.M)
    check(len(counters) == 3 and len(timing) == 3, f'timing: the script printed the counters and the timing ({timing})')
    if len(counters) != 3 or len(timing) != 3:
        return
    check(counters[2] == counters[0] and timing[2] == timing[0],
          f'timing: three steps back return to the same cycle counter and CPI stack ({counters}, {timing})')
    for k in range(2):
        name, insns, cycles, start, ipc = timing[k][0], int(timing[k][1]), int(timing[k][2]), int(timing[k][3]), \
            float(timing[k][4])
        check(name == 'pentium-m' and start + cycles == counters[k],
              f'timing: the CPI stack adds up to the cycle counter ({name}: {start} + {cycles} vs {counters[k]})')
        check(insns > 0 and ipc > 0, f'timing: instructions retired at a non-zero IPC ({insns}, {ipc})')
    check(int(timing[1][1]) == int(timing[0][1]) + 3 and counters[1] > counters[0],
          f'timing: three steps are three more instructions and more cycles ({timing[0][1]} -> {timing[1][1]})')
    try:
        w, h, rows = read_png(shot)
        check((w, h) == (900, 700) and colours(rows, 0, 0, w, h) > 3, f'timing: the Timing window, {w}x{h}, not blank')
    except (OSError, ValueError, zlib.error) as e:
        check(False, f'timing: {shot} is a valid PNG ({e})')

    # The PV demo (hypercalls, event upcalls: the hypervisor's entries reach the model) to its end.
    out = run_debugger(args, display, None, """
break main
run
delete main
run
print status
print counters
print timing
quit
""", 'timing-pv', ['--timing', 'ooo', '--timing-config', args.skylake])
    if out is None:
        return
    counters = [int(c) for c in re.findall(r'^script: counters insns=\d+ cycles=(\d+)', out, re.M)]
    timing = re.findall(r'^script: timing (\S+) vcpu=0 insns=(\d+) cycles=(\d+) from=(\d+) ipc=([0-9.]+)', out, re.M)
    status = values(out, 'status ')
    check(len(counters) == 1 and len(timing) == 1 and bool(status) and 'domain poweroff' in status[0] and
          timing[0][0] == 'skylake' and int(timing[0][3]) + int(timing[0][2]) == counters[0] and
          float(timing[0][4]) > 0,
          f'timing-pv: the demo ran to its end on the skylake model, the stack adds up ({status}, {timing}, {counters})')


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument('--pvlab', required=True)
    ap.add_argument('--pv-elf', required=True)
    ap.add_argument('--pc-elf', required=True)
    ap.add_argument('--long-elf', required=True)
    ap.add_argument('--skylake', required=True, help='cpu/timing/configs/skylake.ini')
    ap.add_argument('--out', default=None)
    args = ap.parse_args()
    temporary = args.out is None
    if temporary:
        args.out = tempfile.mkdtemp(prefix='pvlab-ui-')
    os.makedirs(args.out, exist_ok=True)
    xvfb, display, why = start_xvfb()
    if xvfb is None:
        print(f'{why}: skipped')
        return 77
    try:
        pv_session(args, display)
        pc_session(args, display)
        catches_session(args, display)
        pause_session(args, display)
        reverse_session(args, display)
        timing_session(args, display)
    finally:
        xvfb.terminate()
        try:
            xvfb.wait(10)
        except subprocess.TimeoutExpired:
            xvfb.kill()
    passed = sum(results)
    failed = len(results) - passed
    print(f'ui: {passed} passed, {failed} failed')
    if temporary and failed == 0:
        shutil.rmtree(args.out, ignore_errors=True)
    return 0 if failed == 0 else 1


if __name__ == '__main__':
    sys.exit(main())
