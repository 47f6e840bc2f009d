/* Helpers the memory-management test kernels (mm.c, mm_hostile.c) share: frames of the
   kernel's own pages, one-entry mmu_update / mmuext_op calls, descriptors, and the machine
   addresses of the live page-table entries. */
#ifndef PVLAB_PV_MM_LIB_H
#define PVLAB_PV_MM_LIB_H
#include "pv.h"

/* The first L2 slot of the hypervisor (HYPERVISOR_VIRT_START >> 21 within slot 3's L2). */
#define MM_FIRST_HV_L2_SLOT ((HYPERVISOR_VIRT_START >> 21) & 511)
/* A 2 MiB region the bootstrap tables leave empty, for tables the tests link in. */
#define MM_SPARE_VA 0xE0000000u

static inline uint32_t mm_mfn(const void* va) { return pv_pfn_to_mfn(pv_va_to_pfn(va)); }
static inline int mm_read_only(void* va) { return pv_remap_own(va, PV_PTE_A); }
static inline int mm_writable(void* va) { return pv_remap_own(va, PV_PTE_RW | PV_PTE_A | PV_PTE_D); }
static inline uint64_t mm_pte(uint32_t mfn, uint64_t flags) { return ((uint64_t)mfn << PV_PAGE_SHIFT) | flags; }

static inline int mm_update1(uint64_t ptr, uint64_t val) {
  mmu_update_t u = {ptr, val};
  unsigned done = 0;
  return HYPERVISOR_mmu_update(&u, 1, &done, DOMID_SELF);
}
static inline int mm_ext1(unsigned cmd, uint32_t arg1, uint32_t arg2) {
  struct mmuext_op op;
  op.cmd = cmd;
  op.arg1.mfn = arg1;
  op.arg2.nr_ents = arg2;
  unsigned done = 0;
  return HYPERVISOR_mmuext_op(&op, 1, &done, DOMID_SELF);
}

/* The machine frames of the live tables that map va (0 when a level is missing). */
static inline uint32_t mm_l3_mfn(void) { return mm_mfn((void*)pv_start_info->pt_base); }
static inline uint32_t mm_l2_mfn(uint32_t va) {
  struct pv_walk w;
  pv_walk(va, &w);
  return (uint32_t)((w.l3e & PV_PTE_FRAME) >> PV_PAGE_SHIFT);
}
static inline uint32_t mm_l1_mfn(uint32_t va) {
  struct pv_walk w;
  pv_walk(va, &w);
  return (uint32_t)((w.l2e & PV_PTE_FRAME) >> PV_PAGE_SHIFT);
}
/* Machine addresses of the entries for va in its L2 and L1. */
static inline uint64_t mm_l2e_maddr(uint32_t va) {
  return ((uint64_t)mm_l2_mfn(va) << PV_PAGE_SHIFT) + ((va >> 21) & 511) * 8;
}
static inline uint64_t mm_l1e_maddr(uint32_t va) {
  return ((uint64_t)mm_l1_mfn(va) << PV_PAGE_SHIFT) + ((va >> 12) & 511) * 8;
}

/* A segment descriptor (type: the 4 type bits; s: code/data) and a call gate. */
static inline uint64_t mm_desc(uint32_t base, uint32_t limit, unsigned type, unsigned dpl, int s, int g) {
  uint32_t a = (limit & 0xffff) | (base << 16);
  uint32_t b = ((base >> 16) & 0xff) | (type << 8) | (s ? 1u << 12 : 0) | (dpl << 13) | (1u << 15) |
               (limit & 0xf0000) | (g ? 1u << 23 : 0) | (1u << 22) | (base & 0xff000000u);
  return ((uint64_t)b << 32) | a;
}
static inline uint64_t mm_gate(uint16_t sel, uint32_t off, unsigned dpl) {
  uint32_t a = (off & 0xffff) | ((uint32_t)sel << 16);
  uint32_t b = (off & 0xffff0000u) | (1u << 15) | (dpl << 13) | (0xcu << 8);
  return ((uint64_t)b << 32) | a;
}
static inline unsigned mm_desc_dpl(uint64_t d) { return (unsigned)(d >> 45) & 3; }
static inline uint32_t mm_desc_limit(uint64_t d) { return (uint32_t)(d & 0xffff) | (uint32_t)((d >> 32) & 0xf0000); }

#endif
