// Segment loads the hypervisor performs on the guest's behalf: the handler's CS and the
// kernel stack's SS of a bounce frame, the CS and SS of HYPERVISOR_iret. The checks are the
// ones the processor makes for an inter-privilege interrupt or IRET (Intel SDM vol. 2, IRET
// and INT n pseudocode), so a guest cannot reach through the hypervisor what it could not
// reach with the instructions themselves. Nothing here raises a CPU exception: a refusal
// comes back as a reason, and the caller decides (crash the domain, failsafe callback).
#include <cstdio>
#include <cstring>

#include "cpu/cpu.h"
#include "hyper/layout.h"
#include "hyper/traps.h"

namespace pvlab::hyper {

namespace {

std::string hex_sel(uint16_t sel) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%#06x", sel);
  return buf;
}

// A supervisor read of 8 bytes at a linear address through the vcpu's page tables.
bool read_linear8(Cpu& c, uint32_t lin, uint64_t& out) {
  uint8_t b[8];
  for (unsigned i = 0; i < 8; ++i) {
    uint32_t err = 0;
    TlbEntry* e = c.mmu().translate(lin + i, kRead, err);
    if (!e) return false;
    const paddr_t pa = e->frame | ((lin + i) & (kPageSize - 1));
    if (!c.bus().ram().contains(pa, 1)) return false;
    b[i] = *c.bus().ram().ptr(pa);
  }
  std::memcpy(&out, b, 8);
  return true;
}

}  // namespace

bool guest_descriptor(Cpu& c, uint16_t sel, uint64_t& desc) {
  if ((sel & 0xfffc) == 0) return false;
  uint32_t base, limit;
  if (sel & 4) {
    if (!(c.s.ldtr.attr & sa::P) || (c.s.ldtr.sel & 0xfffc) == 0) return false;
    base = c.s.ldtr.base;
    limit = c.s.ldtr.limit;
  } else {
    base = c.s.gdtr.base;
    limit = c.s.gdtr.limit;
  }
  if (uint32_t(sel & 0xfff8) + 7 > limit) return false;
  return read_linear8(c, base + (sel & 0xfff8), desc);
}

bool load_guest_code(Cpu& c, uint16_t sel, std::string& why) {
  const unsigned rpl = sel & 3;
  uint64_t d;
  if (!guest_descriptor(c, sel, d)) {
    why = "code selector " + hex_sel(sel) + " names no descriptor";
    return false;
  }
  SegCache tmp;
  Cpu::cache_from_descriptor(tmp, sel, d);
  const bool code = (tmp.attr & sa::S) && (tmp.attr & sa::CODE);
  const bool conforming = tmp.attr & sa::DC;
  if (!code || (conforming ? tmp.dpl() > rpl : tmp.dpl() != rpl) || rpl == 0) {
    why = "selector " + hex_sel(sel) + " is not a code segment ring " + std::to_string(rpl) +
          " may run in";
    return false;
  }
  if (!(tmp.attr & sa::P)) {
    why = "code segment " + hex_sel(sel) + " is not present";
    return false;
  }
  tmp.attr |= sa::ACCESSED;
  Cpu::refresh_cache_flags(tmp, c.s.mode);
  c.s.seg[CS] = tmp;
  c.set_cpl(uint8_t(rpl));
  return true;
}

bool load_guest_stack(Cpu& c, uint16_t sel, std::string& why) {
  const unsigned rpl = sel & 3;
  uint64_t d;
  if (!guest_descriptor(c, sel, d)) {
    why = "stack selector " + hex_sel(sel) + " names no descriptor";
    return false;
  }
  SegCache tmp;
  Cpu::cache_from_descriptor(tmp, sel, d);
  const bool writable_data = (tmp.attr & sa::S) && !(tmp.attr & sa::CODE) && (tmp.attr & sa::RW);
  if (!writable_data || rpl != c.s.cpl || tmp.dpl() != c.s.cpl) {
    why = "selector " + hex_sel(sel) + " is not a writable ring-" + std::to_string(c.s.cpl) +
          " data segment";
    return false;
  }
  if (!(tmp.attr & sa::P)) {
    why = "stack segment " + hex_sel(sel) + " is not present";
    return false;
  }
  tmp.attr |= sa::ACCESSED;
  Cpu::refresh_cache_flags(tmp, c.s.mode);
  c.s.seg[SS] = tmp;
  return true;
}

void drop_inner_data_segments(Cpu& c) {
  for (unsigned seg : {unsigned(ES), unsigned(DS), unsigned(FS), unsigned(GS)}) {
    SegCache& s = c.s.seg[seg];
    if ((s.sel & 0xfffc) == 0) continue;
    const bool conforming_code = (s.attr & sa::CODE) && (s.attr & sa::DC);
    if (!conforming_code && s.dpl() < c.s.cpl) {
      s = SegCache{};
      Cpu::refresh_cache_flags(s, c.s.mode);
    }
  }
}

bool fix_handler_selector(uint16_t& sel, std::string& why) {
  if ((sel & 3) == 0) sel |= 1;
  if ((sel & 3) != 1) {
    why = "handler selector " + hex_sel(sel) + " is not a ring-1 selector";
    return false;
  }
  if ((sel & 0xfffc) == 0) {
    why = "handler selector is null";
    return false;
  }
  const bool reserved = !(sel & 4) && (sel >> 3) >= kFirstReservedGdtEntry;
  if (reserved && sel != kSelRing1Code) {
    why = "handler selector " + hex_sel(sel) + " is one of the hypervisor's reserved entries";
    return false;
  }
  return true;
}

}  // namespace pvlab::hyper
