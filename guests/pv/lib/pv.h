/* pv: the runtime of pvlab's PV guest kernels (32-bit PAE Xen PV, kernel in ring 1).

   Start: head.S's _start records the registers the domain builder left (pv_boot_regs), moves
   to the runtime's own stack and calls pv_start(start_info) in pvrt.c, which keeps the
   start_info pointer, maps shared_info and calls the kernel's main(). When main returns,
   the domain shuts down: SHUTDOWN_poweroff for 0, SHUTDOWN_crash otherwise.

   Output: kputc / kputs / kprintf (declared in ../../lib/ktest.h, formatted by kfmt.c) go to
   the hypervisor console through HYPERVISOR_console_io(CONSOLEIO_write), a line at a time.

   Tests: PV test kernels report with ktest.h's reporting functions and lines, unchanged:
       PASS name / FAIL name: detail / SKIP name: reason / DONE n passed, n failed
   (ktest_pass, ktest_fail, ktest_skip, ktest_check, KCHECK_EQ, ktest_failures, ktest_finish,
   implemented for PV in pvtest.c). ktest_finish prints the DONE line and shuts the domain
   down: SHUTDOWN_poweroff when every check passed (pvlab exits 0), SHUTDOWN_crash when one
   failed or none ran. KTEST_PROBE works once pv_traps_init() has installed the trap table.
   ktest.h's PC-only parts (descriptor tables, PIC, PIT, ring-3 runs, ktest_init) do not
   exist here. */
#ifndef PVLAB_PV_H
#define PVLAB_PV_H
#include <stdarg.h>
#include <stdint.h>

#include "hypercall.h"
#include "ktest.h"
#include "pvxen.h"

/* ---- the start ---- */
/* The registers at _start, before the runtime touched anything (head.S fills it). */
struct pv_boot_regs {
  uint32_t eax, ebx, ecx, edx, esi, edi, ebp, esp, eflags;
  uint32_t cs, ds, es, fs, gs, ss;
};
extern struct pv_boot_regs pv_boot_regs;

extern start_info_t* pv_start_info;
/* shared_info, mapped by pv_start at pv_shared_info_page; 0 when the mapping failed. */
extern shared_info_t* pv_shared_info;
extern uint8_t pv_shared_info_page[4096];
/* The error update_va_mapping gave when mapping shared_info (0: mapped). */
extern int pv_shared_info_error;

/* The kernel's entry: return 0 to power off, anything else to crash the domain. */
int main(void);

/* The ELF notes' addresses (head.S, link.ld). */
extern char _start[], _end[], pv_image_start[];
#define PV_VIRT_BASE 0xC0000000u

/* ---- console and shutdown ---- */
void pv_console_write(const char* s, unsigned n); /* straight to console_io */
void pv_console_flush(void);                      /* what kputc has buffered */
/* SCHEDOP_shutdown with reason (SHUTDOWN_*), after flushing the console. If the hypercall
   returns, says so and spins yielding. */
void pv_shutdown(unsigned reason) __attribute__((noreturn));
/* Print "pv: panic: ..." and crash the domain. */
void pv_panic(const char* fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));

/* ---- memory: frames, the P2M list and the M2P table ---- */
#define PV_M2P ((const volatile uint32_t*)MACH2PHYS_VIRT_START)
#define PV_INVALID_FRAME 0xffffffffu
uint32_t pv_nr_pages(void);
/* start_info->mfn_list[pfn], or PV_INVALID_FRAME past nr_pages. */
uint32_t pv_pfn_to_mfn(uint32_t pfn);
/* The M2P entry of mfn, or PV_INVALID_FRAME when it is not one of this domain's frames
   (past the domain's highest frame, or the P2M list does not point back at it). */
uint32_t pv_mfn_to_pfn(uint32_t mfn);
/* The bootstrap region maps pseudo-physical frame n at PV_VIRT_BASE + n * 4096. */
static inline uint32_t pv_va_to_pfn(const void* va) {
  return ((uint32_t)(uintptr_t)va - PV_VIRT_BASE) >> PV_PAGE_SHIFT;
}
static inline void* pv_pfn_to_va(uint32_t pfn) {
  return (void*)(uintptr_t)(PV_VIRT_BASE + (pfn << PV_PAGE_SHIFT));
}
/* The machine address of a byte in the bootstrap region (through the P2M list). */
uint64_t pv_va_to_maddr(const void* va);

/* ---- the guest's own page tables (PAE: L3 at start_info->pt_base, then L2, L1) ---- */
struct pv_walk {
  uint64_t l3e, l2e, l1e; /* the entries met (0 below the level that stopped the walk) */
  uint64_t pte;           /* the entry that maps the page (l2e for a 2 MiB page) */
  int level;              /* where the walk stopped: 0 mapped, else 3/2/1 not present */
  int error;              /* 1: a table frame is not the domain's or cannot be read */
};
/* Walk the live tables (the current L3 is start_info->pt_base until the kernel switches
   with MMUEXT_NEW_BASEPTR; pv_set_l3 tells the walker). Returns 1 when va is mapped. */
int pv_walk(uint32_t va, struct pv_walk* w);
void pv_set_l3(const volatile uint64_t* l3);
/* The entry mapping va, or 0 when it is not mapped. */
uint64_t pv_lookup(uint32_t va);
/* A table frame's contents, read-only: through the bootstrap mapping when the frame lies in
   it, otherwise mapped read-only in a window slot. 0 when the frame is not the domain's. */
const volatile uint64_t* pv_table_frame(uint32_t mfn);

/* ---- mapping a frame ---- */
/* PV_MAP_SLOTS page-sized windows in the kernel's .bss. pv_map_frame points slot's page at
   machine frame mfn with `flags` (PV_PTE_* bits; PV_PTE_P is added) through
   update_va_mapping(UVMF_INVLPG) and returns its address, or 0 with *err set to the
   hypervisor's answer. pv_unmap_frame puts the slot's own frame back. */
#define PV_MAP_SLOTS 8
void* pv_map_frame(int slot, uint32_t mfn, uint64_t flags, int* err);
int pv_unmap_frame(int slot);
void* pv_map_slot_va(int slot);
/* update_va_mapping of one page of the bootstrap region back to its own frame with flags. */
int pv_remap_own(void* va, uint64_t flags);

/* ---- traps ---- */
/* Install the trap table: every exception vector (0-31) leads to ktest.h's dispatcher
   (ktrap_set handlers, KTEST_PROBE, or an unexpected-trap FAIL), events masked on entry,
   #BP and #OF reachable from ring 3 by INT3/INTO. Returns the hypercall's answer. */
int pv_traps_init(void);
/* Route vector vec (any 0-255) to the dispatcher: dpl is the lowest ring allowed to use
   `int vec` (0: none, 1: kernel, 3: everyone); mask_events sets the entry's
   event-mask flag. Returns the hypercall's answer. */
int pv_trap_route(int vec, int dpl, int mask_events);
/* The trap-table entry pv_trap_route would install (for tests that build their own). */
struct trap_info pv_trap_entry(int vec, int dpl, int mask_events);

#endif
