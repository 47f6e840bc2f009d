// Guest memory as the emulator sees it: accesses by segment and offset with the checks the
// processor would make for the instruction being emulated (segment usability, type and
// limit, then page rights of the current CPL), reporting the exception instead of raising
// it; and the instruction bytes at CS:EIP.
#include <cstring>

#include "hyper/emulate.h"
#include "hyper/hypervisor.h"
#include "hyper/traps.h"

namespace pvlab::hyper {

namespace {

bool seg_fault(unsigned seg, GuestFault& f) {
  f.vector = seg == SS ? exc::SS : exc::GP;
  f.error = 0;
  return false;
}

// The linear address of seg:off for `size` bytes, or a #GP/#SS.
bool linear(const Cpu& c, unsigned seg, uint32_t off, unsigned size, bool write, uint32_t& lin,
            GuestFault& f) {
  const SegCache& s = c.s.seg[seg];
  if (!s.valid) return seg_fault(seg, f);
  if (write ? !s.writable : !s.readable) return seg_fault(seg, f);
  const uint64_t last = uint64_t(off) + size - 1;
  if (s.expand_down) {
    const uint32_t end = s.big() ? 0xffffffffu : 0xffffu;
    if (off <= s.limit || last > end) return seg_fault(seg, f);
  } else if (last > s.limit) {
    return seg_fault(seg, f);
  }
  lin = s.base + off;
  if (uint64_t(lin) + size > kGuestSegmentEnd) return seg_fault(seg, f);
  return true;
}

// Byte `lin` through the page tables with the current CPL's rights.
uint8_t* guest_byte(Hypervisor& hv, Cpu& c, uint32_t lin, unsigned access, paddr_t& pa, GuestFault& f) {
  uint32_t err = 0;
  if (c.s.cpl == 3) access |= kUser;
  TlbEntry* e = c.mmu().translate(lin, access, err);
  if (!e) {
    f.vector = exc::PF;
    f.error = err;
    f.cr2 = lin;
    return nullptr;
  }
  pa = e->frame | (lin & (kPageSize - 1));
  if (!hv.mem().contains(pa, 1)) {
    f.vector = exc::GP;   // nothing but RAM behind a PV guest's mappings
    f.error = 0;
    return nullptr;
  }
  return hv.mem().ptr(pa);
}

}  // namespace

bool guest_read(Hypervisor& hv, Vcpu& v, unsigned seg, uint32_t off, unsigned size, uint32_t& value,
                GuestFault& f) {
  Cpu& c = *v.cpu;
  uint32_t lin;
  if (!linear(c, seg, off, size, false, lin, f)) return false;
  uint8_t b[4] = {};
  for (unsigned i = 0; i < size; ++i) {
    paddr_t pa;
    const uint8_t* p = guest_byte(hv, c, lin + i, kRead, pa, f);
    if (!p) return false;
    b[i] = *p;
  }
  value = 0;
  std::memcpy(&value, b, size);
  return true;
}

bool guest_write(Hypervisor& hv, Vcpu& v, unsigned seg, uint32_t off, unsigned size, uint32_t value,
                 GuestFault& f) {
  Cpu& c = *v.cpu;
  uint32_t lin;
  if (!linear(c, seg, off, size, true, lin, f)) return false;
  // Every byte is checked before any is written, so a fault leaves memory unchanged.
  uint8_t* p[4];
  paddr_t pa[4];
  for (unsigned i = 0; i < size; ++i)
    if (!(p[i] = guest_byte(hv, c, lin + i, kWrite, pa[i], f))) return false;
  for (unsigned i = 0; i < size; ++i) {
    *p[i] = uint8_t(value >> (8 * i));
    hv.bus().note_write(pa[i], 1);
  }
  return true;
}

void inject_fault(Hypervisor& hv, Vcpu& v, const GuestFault& f) {
  if (f.vector == exc::PF) set_guest_cr2(hv, v, f.cr2);
  inject_exception(hv, v, f.vector, vector_has_error(f.vector), f.error, v.cpu->s.eip);
}

unsigned fetch_guest_code(Hypervisor& hv, Vcpu& v, uint8_t* buf, unsigned max) {
  Cpu& c = *v.cpu;
  const SegCache& cs = c.s.seg[CS];
  unsigned n = 0;
  for (; n < max; ++n) {
    const uint32_t off = c.s.eip + n;
    if (off > cs.limit) break;
    const uint32_t lin = cs.base + off;
    if (lin >= kGuestSegmentEnd) break;
    GuestFault f;
    paddr_t pa;
    const uint8_t* p = guest_byte(hv, c, lin, kFetch, pa, f);
    if (!p) break;
    buf[n] = *p;
  }
  return n;
}

}  // namespace pvlab::hyper
