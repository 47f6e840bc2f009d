// The domain builder: lays a PV kernel out in the domain's memory as Xen's builder does and
// sets up the first vcpu's entry state.
//
// Virtual layout from VIRT_BASE (pseudo-physical frame 0), each part page-aligned:
//   kernel image [+ BSD symbol table] | P2M list | start_info | xenstore page | console page |
//   (the last two for a domU only: the initial domain has neither)
//   bootstrap page tables (L3, L2s, L1s) | boot stack | padding
// The bootstrap tables map everything from VIRT_BASE to a 4 MiB boundary at least 512 KiB
// past the boot stack; page-table frames are mapped read-only; the L3 is pinned.
#pragma once
#include <cstdint>
#include <string>

#include "hyper/guest_image.h"

namespace pvlab::hyper {

// What the builder needs from the kernel's Xen notes.
struct BootParams {
  uint32_t virt_base = 0;
  uint32_t entry = 0;
  uint32_t hypercall_page = 0;   // virtual address, 0 when the kernel has none
};

// Where the builder put things (the debugger and tests show them).
struct BootLayout {
  uint32_t kernel_start = 0, kernel_end = 0;   // kernel_end: past the symbol table, if any
  uint32_t symtab_va = 0, symtab_size = 0;     // the BSD_SYMTAB block (0: none)
  uint32_t p2m_va = 0, start_info_va = 0, xenstore_va = 0, console_va = 0;
  uint32_t pt_va = 0, nr_pt_frames = 0, stack_va = 0, mapped_end = 0;
};

// The hypercall page's 4096 bytes: 32-byte stubs `mov $n,%eax; int $0x82; ret`, iret's
// `push %eax; mov $23,%eax; int $0x82`, 0xCC elsewhere. The builder fills the page the
// HYPERCALL_PAGE note names; a WRMSR to the hypercall-page MSR fills the page it names.
void fill_hypercall_page(uint8_t* page);

}  // namespace pvlab::hyper
