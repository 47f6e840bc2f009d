// Memory management as Xen does it: the frame table's types and counts, validation of every
// page-table and descriptor entry a guest installs, pinning, CR3 loads, and the hypercalls
// that change page tables (mmu_update, mmuext_op, update_va_mapping, set_gdt,
// update_descriptor) in mm*.cpp.
#pragma once
#include <cstdint>
#include <string>

#include "hyper/frame_table.h"

namespace pvlab::hyper {

class Hypervisor;
struct Domain;
struct Vcpu;

// Validate `mfn` as a page table of `type` (L1, L2 or L3) and everything it references, take
// a type reference and pin it. Returns 0 or a negative Xen error with `reason` set.
int mm_pin(Hypervisor& hv, Domain& d, uint32_t mfn, PageType type, std::string& reason);
// Make `l3_mfn` the vcpu's page-table base (validated as an L3), dropping the old one.
int mm_set_baseptr(Hypervisor& hv, Vcpu& v, uint32_t l3_mfn, std::string& reason);
// Note a frame the builder mapped (writable or not) so the counts match the mappings.
void mm_note_boot_mapping(Hypervisor& hv, uint32_t mfn, bool writable);

}  // namespace pvlab::hyper
