// Memory management as Xen does it: the frame table's types and counts, validation of every
// page-table and descriptor entry a guest installs, pinning, CR3 loads, and the hypercalls
// that change page tables and descriptor tables. The pieces:
//   mm.cpp         types and references, validation of L1/L2/L3 tables, entry updates
//   mm_desc.cpp    descriptors: check_descriptor, the GDT, the LDT, update_descriptor
//   mm_ptwr.cpp    writable page tables: a kernel's faulting write to its own L1, emulated
//   mm_audit.cpp   recounting every reference from scratch (tests, debugging)
//   hc_mm.cpp      mmu_update, mmuext_op, update_va_mapping, set_gdt, update_descriptor
//   hc_memory.cpp  memory_op
// Every function that can refuse returns 0 or a negative Xen error number and sets `why` to
// one line naming the frame or entry and the rule it broke.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "cpu/platform.h"
#include "hyper/frame_table.h"

namespace pvlab::hyper {

class Hypervisor;
struct Domain;
struct Vcpu;
struct HypercallCtx;

// ---- the frame table (mm.cpp) ---------------------------------------------------------------
// Take a general reference and a type reference on `mfn` (a frame `d` owns), validating it as
// `type` when its type count was zero. `pae_xen_l2` asks for an L2 used in L3 slot 3.
int mm_get_page_and_type(Hypervisor& hv, Domain& d, uint32_t mfn, PageType type, bool pae_xen_l2,
                         std::string& why);
void mm_put_page_and_type(Hypervisor& hv, Domain& d, uint32_t mfn);

// MMUEXT_PIN_L?_TABLE / MMUEXT_UNPIN_TABLE.
int mm_pin(Hypervisor& hv, Domain& d, uint32_t mfn, PageType type, std::string& why);
int mm_unpin(Hypervisor& hv, Domain& d, uint32_t mfn, std::string& why);
// Make `l3_mfn` the vcpu's page-table base (taking an L3 type reference, dropping the old
// base's) and load CR3.
int mm_set_baseptr(Hypervisor& hv, Vcpu& v, uint32_t l3_mfn, std::string& why);

// Write `val` into the page-table entry at machine address `maddr` (MMU_NORMAL_PT_UPDATE):
// validated when the frame is a page table in use, a plain write when it is an ordinary page.
// `preserve_ad` keeps the A and D bits the entry has (MMU_PT_UPDATE_PRESERVE_AD).
int mm_update_entry(Hypervisor& hv, Domain& d, uint64_t maddr, uint64_t val, bool preserve_ad,
                    std::string& why);
// Give back what a present L1 entry holds (a general reference, and a Writable type
// reference when RW is set), as replacing it would: a grant mapping's PTE holds exactly that.
void mm_put_l1e_refs(Hypervisor& hv, Domain& d, uint64_t entry);
// The L1 entry that maps `va` in the vcpu's current tables: its L1 frame and index. Fails
// (-EINVAL) when va is in the hypervisor's area or its L2 entry is not present.
int mm_find_l1e(Hypervisor& hv, Vcpu& v, uint32_t va, uint32_t& l1_mfn, unsigned& index,
                std::string& why);

// TLB flushes for the guest: every processor's TLB (global entries included), or one vcpu's.
void mm_flush_all(Hypervisor& hv);
void mm_flush_vcpu(Hypervisor& hv, Vcpu& v);
void mm_invlpg_all(Hypervisor& hv, uint32_t va);

// ---- descriptor tables (mm_desc.cpp) ---------------------------------------------------------
// Xen's check_descriptor for a 32-bit PV guest: fixes `desc` up (DPL 0 -> 1, the accessed bit,
// a limit truncated to end below kGuestSegmentEnd) or refuses it.
bool mm_check_descriptor(uint64_t& desc, std::string& why);
// set_gdt: `frames` (machine frames) become the vcpu's GDT of `entries` descriptors.
int mm_set_gdt(Hypervisor& hv, Vcpu& v, const std::vector<uint32_t>& frames, unsigned entries,
               std::string& why);
// MMUEXT_SET_LDT: the LDT at guest address `base` with `entries` descriptors (0: none).
int mm_set_ldt(Hypervisor& hv, Vcpu& v, uint32_t base, unsigned entries, std::string& why);
// update_descriptor: one validated descriptor at machine address `maddr`.
int mm_update_descriptor(Hypervisor& hv, Domain& d, uint64_t maddr, uint64_t desc, std::string& why);
// Drop the vcpu's GDT and LDT references (vcpu teardown, tests).
void mm_release_descriptor_tables(Hypervisor& hv, Vcpu& v);

// ---- writable page tables (mm_ptwr.cpp) -------------------------------------------------------
// Called first for every event deliver_guest_event sees. A ring-1 write that faulted on a
// read-only mapping of one of the domain's own L1 tables is emulated: the instruction runs
// with the write redirected, the entry it wrote is validated and applied as mmu_update would.
// Returns true when the event was handled that way (the guest continues after the
// instruction); false to deliver the event as usual.
bool mm_handle_fault(Hypervisor& hv, Vcpu& v, const Event& e);

// ---- checking (mm_audit.cpp) -----------------------------------------------------------------
// Recount every reference the domain's validated tables, pins, CR3s, GDTs and LDTs hold and
// compare with the frame table. False with one line per mismatch in `report`.
bool mm_audit(Hypervisor& hv, Domain& d, std::string& report);

// ---- hypercalls --------------------------------------------------------------------------------
int32_t mm_memory_op(HypercallCtx& c);   // hc_memory.cpp

}  // namespace pvlab::hyper
