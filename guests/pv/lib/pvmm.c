/* The PV runtime's view of memory (see pv.h): pseudo-physical and machine frame numbers
   through the P2M list (start_info->mfn_list) and the hypervisor's read-only M2P table,
   walks of the kernel's own PAE page tables, and page-sized windows to map any frame. */
#include "pv.h"

#define FRAME_OF(e) ((uint32_t)(((e) & PV_PTE_FRAME) >> PV_PAGE_SHIFT))

uint32_t pv_nr_pages(void) { return (uint32_t)pv_start_info->nr_pages; }

uint32_t pv_pfn_to_mfn(uint32_t pfn) {
  if (pfn >= pv_nr_pages()) return PV_INVALID_FRAME;
  return (uint32_t)((const unsigned long*)pv_start_info->mfn_list)[pfn];
}

/* The M2P table is mapped only as far as the machine's memory goes: an entry is read only
   for frames up to the domain's highest, which are surely covered. */
static uint32_t highest_own_mfn(void) {
  static uint32_t highest = PV_INVALID_FRAME;
  if (highest == PV_INVALID_FRAME) {
    highest = 0;
    for (uint32_t pfn = 0; pfn < pv_nr_pages(); ++pfn) {
      uint32_t mfn = pv_pfn_to_mfn(pfn);
      if (mfn > highest && mfn < MACH2PHYS_NR_ENTRIES) highest = mfn;
    }
  }
  return highest;
}

uint32_t pv_mfn_to_pfn(uint32_t mfn) {
  if (mfn > highest_own_mfn()) return PV_INVALID_FRAME;
  uint32_t pfn = PV_M2P[mfn];
  return pv_pfn_to_mfn(pfn) == mfn ? pfn : PV_INVALID_FRAME;
}

uint64_t pv_va_to_maddr(const void* va) {
  uint32_t mfn = pv_pfn_to_mfn(pv_va_to_pfn(va));
  if (mfn == PV_INVALID_FRAME) return ~0ull;
  return ((uint64_t)mfn << PV_PAGE_SHIFT) | ((uint32_t)(uintptr_t)va & (PV_PAGE_SIZE - 1));
}

/* ---- windows ---- */
static uint8_t windows[PV_MAP_SLOTS][4096] __attribute__((aligned(4096)));

void* pv_map_slot_va(int slot) {
  return slot >= 0 && slot < PV_MAP_SLOTS ? windows[slot] : 0;
}

void* pv_map_frame(int slot, uint32_t mfn, uint64_t flags, int* err) {
  void* va = pv_map_slot_va(slot);
  int rc = -XEN_EINVAL;
  if (va) {
    uint64_t pte = ((uint64_t)mfn << PV_PAGE_SHIFT) | flags | PV_PTE_P;
    rc = HYPERVISOR_update_va_mapping((unsigned long)va, pte, UVMF_INVLPG | UVMF_LOCAL);
  }
  if (err) *err = rc;
  return rc == 0 ? va : 0;
}

int pv_remap_own(void* va, uint64_t flags) {
  uint32_t mfn = pv_pfn_to_mfn(pv_va_to_pfn(va));
  if (mfn == PV_INVALID_FRAME) return -XEN_EINVAL;
  uint64_t pte = ((uint64_t)mfn << PV_PAGE_SHIFT) | flags | PV_PTE_P;
  return HYPERVISOR_update_va_mapping((unsigned long)va, pte, UVMF_INVLPG | UVMF_LOCAL);
}

int pv_unmap_frame(int slot) {
  void* va = pv_map_slot_va(slot);
  if (!va) return -XEN_EINVAL;
  return pv_remap_own(va, PV_PTE_RW | PV_PTE_A | PV_PTE_D);
}

/* ---- page-table walks ---- */
static const volatile uint64_t* current_l3;

void pv_set_l3(const volatile uint64_t* l3) { current_l3 = l3; }

/* The walker's own window: the last slot, kept for table frames outside the region that
   is surely mapped (everything below the end of the bootstrap page tables). */
#define WALK_SLOT (PV_MAP_SLOTS - 1)
static uint32_t walk_slot_mfn = PV_INVALID_FRAME;

const volatile uint64_t* pv_table_frame(uint32_t mfn) {
  uint32_t pfn = pv_mfn_to_pfn(mfn);
  if (pfn == PV_INVALID_FRAME) return 0;
  const start_info_t* si = pv_start_info;
  uint32_t mapped_end = (uint32_t)si->pt_base + (uint32_t)si->nr_pt_frames * PV_PAGE_SIZE;
  if (PV_VIRT_BASE + ((uint64_t)pfn << PV_PAGE_SHIFT) < mapped_end)
    return (const volatile uint64_t*)pv_pfn_to_va(pfn);
  if (walk_slot_mfn != mfn) {
    walk_slot_mfn = PV_INVALID_FRAME;
    if (!pv_map_frame(WALK_SLOT, mfn, PV_PTE_A, 0)) return 0;
    walk_slot_mfn = mfn;
  }
  return (const volatile uint64_t*)pv_map_slot_va(WALK_SLOT);
}

int pv_walk(uint32_t va, struct pv_walk* w) {
  w->l3e = w->l2e = w->l1e = w->pte = 0;
  w->error = 0;
  w->level = 3;
  w->l3e = current_l3[va >> 30];
  if (!(w->l3e & PV_PTE_P)) return 0;
  w->level = 2;
  const volatile uint64_t* l2 = pv_table_frame(FRAME_OF(w->l3e));
  if (!l2) {
    w->error = 1;
    return 0;
  }
  w->l2e = l2[(va >> 21) & 511];
  if (!(w->l2e & PV_PTE_P)) return 0;
  if (w->l2e & PV_PTE_PS) {
    w->pte = w->l2e;
    w->level = 0;
    return 1;
  }
  w->level = 1;
  const volatile uint64_t* l1 = pv_table_frame(FRAME_OF(w->l2e));
  if (!l1) {
    w->error = 1;
    return 0;
  }
  w->l1e = l1[(va >> 12) & 511];
  if (!(w->l1e & PV_PTE_P)) return 0;
  w->pte = w->l1e;
  w->level = 0;
  return 1;
}

uint64_t pv_lookup(uint32_t va) {
  struct pv_walk w;
  return pv_walk(va, &w) ? w.pte : 0;
}
