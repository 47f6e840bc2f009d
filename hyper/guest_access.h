// The hypervisor reading and writing guest memory: through the vcpu's current page tables
// with the guest kernel's rights (as copy_from_guest / copy_to_guest do in Xen), so a guest
// cannot make the hypervisor write its own page tables or reach the hypervisor area; and by
// machine frame for the hypervisor's own use.
#pragma once
#include <cstddef>
#include <cstdint>

namespace pvlab::hyper {

class Hypervisor;
struct Vcpu;

// False (nothing or part copied) when some byte is unmapped, not writable, or in the
// hypervisor area.
bool copy_from_guest(Hypervisor& hv, Vcpu& v, uint32_t va, void* dst, size_t n);
bool copy_to_guest(Hypervisor& hv, Vcpu& v, uint32_t va, const void* src, size_t n);

template <typename T>
bool get_guest(Hypervisor& hv, Vcpu& v, uint32_t va, T& out) {
  return copy_from_guest(hv, v, va, &out, sizeof out);
}
template <typename T>
bool put_guest(Hypervisor& hv, Vcpu& v, uint32_t va, const T& in) {
  return copy_to_guest(hv, v, va, &in, sizeof in);
}

// Machine memory by address (no checks beyond the size of machine memory).
bool read_machine(Hypervisor& hv, uint64_t maddr, void* dst, size_t n);
bool write_machine(Hypervisor& hv, uint64_t maddr, const void* src, size_t n);

}  // namespace pvlab::hyper
