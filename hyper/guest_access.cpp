#include "hyper/guest_access.h"

#include <cstring>

#include "hyper/hypervisor.h"

namespace pvlab::hyper {

namespace {

bool copy_guest(Hypervisor& hv, Vcpu& v, uint32_t va, uint8_t* buf, size_t n, bool write) {
  if (n == 0) return true;
  if (va >= kHypervisorStart || n > kHypervisorStart - va) return false;
  Cpu& c = *v.cpu;
  while (n) {
    const size_t chunk = std::min<size_t>(n, kPageSize - (va & (kPageSize - 1)));
    uint32_t err = 0;
    TlbEntry* e = c.mmu().translate(va, write ? kWrite : kRead, err);
    if (!e) return false;
    const paddr_t pa = e->frame | (va & (kPageSize - 1));
    if (!hv.mem().contains(pa, chunk)) return false;
    if (write) {
      std::memcpy(hv.mem().ptr(pa), buf, chunk);
      hv.bus().note_write(pa, unsigned(chunk));
    } else {
      std::memcpy(buf, hv.mem().ptr(pa), chunk);
    }
    va += uint32_t(chunk);
    buf += chunk;
    n -= chunk;
  }
  return true;
}

}  // namespace

bool copy_from_guest(Hypervisor& hv, Vcpu& v, uint32_t va, void* dst, size_t n) {
  return copy_guest(hv, v, va, static_cast<uint8_t*>(dst), n, false);
}

bool copy_to_guest(Hypervisor& hv, Vcpu& v, uint32_t va, const void* src, size_t n) {
  return copy_guest(hv, v, va, static_cast<uint8_t*>(const_cast<void*>(src)), n, true);
}

bool read_machine(Hypervisor& hv, uint64_t maddr, void* dst, size_t n) {
  if (!hv.mem().contains(maddr, n)) return false;
  std::memcpy(dst, hv.mem().ptr(maddr), n);
  return true;
}

bool write_machine(Hypervisor& hv, uint64_t maddr, const void* src, size_t n) {
  if (!hv.mem().contains(maddr, n)) return false;
  std::memcpy(hv.mem().ptr(maddr), src, n);
  hv.bus().note_write(maddr, unsigned(n));
  return true;
}

}  // namespace pvlab::hyper
