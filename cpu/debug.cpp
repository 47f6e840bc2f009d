// The debug registers at work: instruction, data and I/O breakpoints (DR0-DR3 under DR7) and
// how their hits reach DR6 and #DB.
//
// Nothing here runs while DR7 enables no breakpoint. When one is enabled, update_debug_state
// sets `debug_armed_`, which sends the run loop down its one-instruction-at-a-time path
// (Cpu::step_slow); data breakpoints also set `watch_active_`, which sends every memory
// access through read_lin_slow / write_lin_slow where note_data_access sees it.
//
//   instruction breakpoint (R/W=00): a fault, checked before the instruction is fetched,
//     suppressed for one instruction by EFLAGS.RF; DR6.Bn set, EIP left at the instruction.
//   data breakpoint (R/W=01 writes, 11 reads and writes): a trap after the instruction that
//     made the access; any byte of the access inside the aligned 1/2/4/8-byte range hits.
//   I/O breakpoint (R/W=10, only with CR4.DE): a trap after the IN/OUT/INS/OUTS that touched
//     a port in the range (matched in Cpu::io_allowed, which every I/O instruction passes).
//   single step (EFLAGS.TF) and the MOV SS hold-off are in Cpu::exec_one_slow.
// Every #DB clears DR7.GD so the handler can use the debug registers.
#include "cpu/cpu.h"

namespace pvlab {

namespace {

constexpr uint32_t kDr7Gd = 1u << 13;

unsigned dr7_rw(uint32_t dr7, unsigned n) { return (dr7 >> (16 + 4 * n)) & 3; }

// LEN: 00 one byte, 01 two, 11 four; 10 (undefined on P6) is taken as eight.
uint32_t dr7_len(uint32_t dr7, unsigned n) {
  static constexpr uint32_t kLen[4] = {1, 2, 8, 4};
  return kLen[(dr7 >> (18 + 4 * n)) & 3];
}

bool dr7_enabled(uint32_t dr7, unsigned n) { return (dr7 >> (2 * n)) & 3; }

// Does [addr, addr+size) overlap breakpoint n's aligned range?
bool overlaps(uint32_t dr, uint32_t len, uint32_t addr, unsigned size) {
  const uint32_t lo = dr & ~(len - 1);
  return uint32_t(addr - lo) < len || uint32_t(lo - addr) < size;
}

}  // namespace

void Cpu::update_debug_state() {
  const uint32_t dr7 = s.dr[7];
  bool any = false, data = false;
  for (unsigned n = 0; n < 4; ++n) {
    if (!dr7_enabled(dr7, n)) continue;
    const unsigned rw = dr7_rw(dr7, n);
    if (rw == 2 && !(s.cr4 & cr4::DE)) continue;  // I/O breakpoints need CR4.DE
    any = true;
    if (rw == 1 || rw == 3) data = true;
  }
  debug_armed_ = any;
  data_breakpoints_ = data;
  watch_active_ = data_breakpoints_ || align_check_ || dbg_watch_ || mem_observer_;
  exit_block_ = true;
}

bool Cpu::code_breakpoint() {
  const uint32_t dr7 = s.dr[7];
  const uint32_t lin = s.seg[CS].base + s.eip;
  // B0-B3 also report instruction breakpoints that match without being enabled (the SDM
  // allows it, and the reference CPU does it), but only an enabled one raises #DB.
  uint32_t matches = 0;
  bool enabled_hit = false;
  for (unsigned n = 0; n < 4; ++n) {
    if (dr7_rw(dr7, n) != 0 || s.dr[n] != lin) continue;
    matches |= 1u << n;
    if (dr7_enabled(dr7, n)) enabled_hit = true;
  }
  if (!enabled_hit) return false;
  s.dr[6] = (s.dr[6] & ~0xfu) | matches;
  s.dr[7] &= ~kDr7Gd;
  raise(exc::DB);
  deliver_pending();
  return true;
}

void Cpu::note_data_access(uint32_t lin, unsigned size, bool write) {
  const uint32_t dr7 = s.dr[7];
  for (unsigned n = 0; n < 4; ++n) {
    if (!dr7_enabled(dr7, n)) continue;
    const unsigned rw = dr7_rw(dr7, n);
    if (rw == 3 || (rw == 1 && write)) {
      if (overlaps(s.dr[n], dr7_len(dr7, n), lin, size)) db_hits_ |= uint8_t(1u << n);
    }
  }
}

void Cpu::note_io_access(uint16_t port, unsigned size) {
  if (!(s.cr4 & cr4::DE)) return;
  const uint32_t dr7 = s.dr[7];
  for (unsigned n = 0; n < 4; ++n) {
    if (dr7_enabled(dr7, n) && dr7_rw(dr7, n) == 2 &&
        overlaps(s.dr[n] & 0xffff, dr7_len(dr7, n), port, size))
      db_hits_ |= uint8_t(1u << n);
  }
}

// Deliver the #DB trap that follows an instruction. Breakpoint hits replace B0-B3; BS, BD and
// BT accumulate until software clears them.
void Cpu::debug_trap(uint32_t dr6_bits) {
  if (dr6_bits & 0xf) s.dr[6] = (s.dr[6] & ~0xfu) | (dr6_bits & 0xf);
  s.dr[6] |= dr6_bits & ~0xfu;
  s.dr[7] &= ~kDr7Gd;
  deliver({EventKind::Trap, exc::DB, false, 0, s.eip});
}

}  // namespace pvlab
