/* Memory management, the hostile paths: every validation rule tried by a kernel that wants
   to break it, each refusal checked against Xen's error number (the hypervisor log, with
   --log hcall, shows the reason of each).

   Page tables: a writable mapping of the kernel's own L1, L2 and L3, of a GDT frame, of
   hypervisor frames (the M2P's machine frames, the hypervisor's own pages) and of a frame
   that does not exist; reserved bits (PAT, bit 52) in an L1 entry; anything at 0xF5800000
   and up; a write into the hypervisor's slots of the slot-3 L2; a superpage; L3 entries
   with reserved bits, and slot 3 itself; pinning a hypervisor frame; an L1 as the base
   pointer; a foreign domain; a writable page-table store the assist must refuse.
   Descriptors: DPL 0 (accepted as DPL 1, as Xen fixes it up), a call gate into ring 0, a
   TSS, a byte-granular segment reaching the hypervisor, a GDT of 15 pages, a writable GDT
   frame, an LDT reaching the hypervisor.
   Grants: a grant-mapped PTE overwritten through mmu_update, then unmapped. */
#include "mm_lib.h"

static uint64_t gdt_page[512] __attribute__((aligned(4096)));
static uint64_t l1_page[512] __attribute__((aligned(4096)));
static uint32_t scratch[1024] __attribute__((aligned(4096)));

static uint32_t window(void) { return (uint32_t)(uintptr_t)pv_map_slot_va(0); }

static int map_at(uint32_t va, uint32_t mfn, uint64_t flags) {
  return HYPERVISOR_update_va_mapping(va, mm_pte(mfn, flags), UVMF_INVLPG | UVMF_LOCAL);
}

#define EXPECT(name, got, want)                                                         \
  ({                                                                                    \
    int got_ = (int)(got);                                                              \
    ktest_check((name), got_ == (int)(want), "answered %d, expected %d", got_, (int)(want)); \
  })

static void writable_tables(void) {
  uint32_t kva = (uint32_t)(uintptr_t)_start;
  EXPECT("map-own-l1-writable", map_at(window(), mm_l1_mfn(kva), PV_PTE_P | PV_PTE_RW), -XEN_EBUSY);
  EXPECT("map-own-l2-writable", map_at(window(), mm_l2_mfn(kva), PV_PTE_P | PV_PTE_RW), -XEN_EBUSY);
  EXPECT("map-own-l3-writable", map_at(window(), mm_l3_mfn(), PV_PTE_P | PV_PTE_RW), -XEN_EBUSY);
  EXPECT("map-own-l3-read-only", map_at(window(), mm_l3_mfn(), PV_PTE_P), 0);
  /* Through mmu_update as well: the batch reports nothing done. */
  mmu_update_t u = {mm_l1e_maddr(window()), mm_pte(mm_l2_mfn(kva), PV_PTE_P | PV_PTE_RW)};
  unsigned done = 7;
  int rc = HYPERVISOR_mmu_update(&u, 1, &done, DOMID_SELF);
  ktest_check("mmu-update-own-l2-writable", rc == -XEN_EBUSY && done == 0, "answered %d, done %u", rc, done);
  pv_unmap_frame(0);
}

static void foreign_frames(void) {
  /* The M2P's machine frames belong to the hypervisor. */
  unsigned long m2p_frames[2] = {0, 0};
  struct xen_machphys_mfn_list l = {.max_extents = 2};
  set_xen_guest_handle(l.extent_start, m2p_frames);
  int rc = HYPERVISOR_memory_op(XENMEM_machphys_mfn_list, &l);
  if (ktest_check("machphys-mfn-list", rc == 0 && l.nr_extents >= 1, "answered %d, %u extents", rc, l.nr_extents)) {
    EXPECT("map-m2p-frame", map_at(window(), (uint32_t)m2p_frames[0], PV_PTE_P), -XEN_EBUSY);
    EXPECT("map-m2p-frame-writable", map_at(window(), (uint32_t)m2p_frames[0], PV_PTE_P | PV_PTE_RW), -XEN_EBUSY);
  }
  EXPECT("map-hypervisor-frame", map_at(window(), 1, PV_PTE_P), -XEN_EBUSY);
  int top = HYPERVISOR_memory_op(XENMEM_maximum_ram_page, 0);
  EXPECT("map-missing-frame", map_at(window(), (uint32_t)top + 16, PV_PTE_P), -XEN_EPERM);
  EXPECT("pin-hypervisor-frame", mm_ext1(MMUEXT_PIN_L1_TABLE, 1, 0), -XEN_EINVAL);
  pv_unmap_frame(0);
}

static void reserved_bits(void) {
  uint32_t mfn = mm_mfn(scratch);
  EXPECT("l1-pat-bit", map_at(window(), mfn, PV_PTE_P | PV_PTE_PS), -XEN_EINVAL);
  EXPECT("l1-bit-52", map_at(window(), mfn, PV_PTE_P | (1ull << 52)), -XEN_EINVAL);
  EXPECT("l1-pcd", map_at(window(), mfn, PV_PTE_P | 0x10), -XEN_EINVAL);
  EXPECT("l1-nx-allowed", map_at(window(), mfn, PV_PTE_P | PV_PTE_NX), 0);
  pv_unmap_frame(0);
}

static void hypervisor_area(void) {
  uint32_t mfn = mm_mfn(scratch);
  EXPECT("map-at-hypervisor-start", HYPERVISOR_update_va_mapping(HYPERVISOR_VIRT_START, mm_pte(mfn, PV_PTE_P), 0),
         -XEN_EINVAL);
  EXPECT("map-at-m2p-end", HYPERVISOR_update_va_mapping(MACH2PHYS_VIRT_END, mm_pte(mfn, PV_PTE_P), 0), -XEN_EINVAL);
  uint32_t l2 = mm_l2_mfn((uint32_t)(uintptr_t)_start);
  uint64_t hv_slot = ((uint64_t)l2 << PV_PAGE_SHIFT) + MM_FIRST_HV_L2_SLOT * 8;
  EXPECT("write-hypervisor-l2-slot", mm_update1(hv_slot, 0), -XEN_EPERM);
  EXPECT("write-last-l2-slot", mm_update1(((uint64_t)l2 << PV_PAGE_SHIFT) + 511 * 8, 0), -XEN_EPERM);
  /* A superpage in a free slot of the same L2. */
  EXPECT("l2-superpage", mm_update1(mm_l2e_maddr(MM_SPARE_VA), mm_pte(mfn & ~511u, PV_PTE_P | PV_PTE_PS | PV_PTE_RW)),
         -XEN_EINVAL);
  /* L3: slot 3 never changes; entries carry no PS, G or NX (RW/US/A/D are accepted and cleared). */
  uint64_t l3 = (uint64_t)mm_l3_mfn() << PV_PAGE_SHIFT;
  EXPECT("l3-slot-3", mm_update1(l3 + 3 * 8, mm_pte(l2, PV_PTE_P)), -XEN_EINVAL);
  EXPECT("l3-reserved-bits", mm_update1(l3 + 0 * 8, mm_pte(mm_l1_mfn((uint32_t)(uintptr_t)_start), PV_PTE_P | PV_PTE_PS)),
         -XEN_EINVAL);
  EXPECT("new-baseptr-l1", mm_ext1(MMUEXT_NEW_BASEPTR, mm_l1_mfn((uint32_t)(uintptr_t)_start), 0), -XEN_EINVAL);
  mmu_update_t u = {mm_l1e_maddr(window()), 0};
  unsigned done = 0;
  EXPECT("foreign-domain", HYPERVISOR_mmu_update(&u, 1, &done, 3), -XEN_ESRCH);
}

static void hostile_store(void) {
  HYPERVISOR_vm_assist(VMASST_CMD_enable, VMASST_TYPE_writable_pagetables);
  for (unsigned i = 0; i < 512; ++i) l1_page[i] = 0;
  int ro = mm_read_only(l1_page);
  int pin = mm_ext1(MMUEXT_PIN_L1_TABLE, mm_mfn(l1_page), 0);
  if (!ktest_check("ptwr-setup", ro == 0 && pin == 0, "read-only %d pin %d", ro, pin)) return;
  /* A store making the L1 map itself writable: refused, so the #PF reaches the kernel. */
  uint32_t lo = (uint32_t)mm_pte(mm_mfn(l1_page), PV_PTE_P | PV_PTE_RW);
  volatile uint32_t* slot = (volatile uint32_t*)&l1_page[9];
  int v = KTEST_PROBE("movl %0, (%1)", : : "r"(lo), "r"(slot) : "memory");
  ktest_check("ptwr-self-writable-refused", v == 14 && l1_page[9] == 0 && ktest_last_fault.cr2 == (uint32_t)(uintptr_t)slot,
              "vector %d, entry %#llx, cr2 %#x", v, l1_page[9], ktest_last_fault.cr2);
  /* An M2P frame is the hypervisor's: refused too. */
  unsigned long m2p_frame = 0;
  struct xen_machphys_mfn_list l = {.max_extents = 1};
  set_xen_guest_handle(l.extent_start, &m2p_frame);
  HYPERVISOR_memory_op(XENMEM_machphys_mfn_list, &l);
  lo = (uint32_t)mm_pte((uint32_t)m2p_frame, PV_PTE_P);
  v = KTEST_PROBE("movl %0, (%1)", : : "r"(lo), "r"(slot) : "memory");
  ktest_check("ptwr-hypervisor-frame-refused", v == 14 && l1_page[9] == 0, "vector %d, entry %#llx", v, l1_page[9]);
  mm_ext1(MMUEXT_UNPIN_TABLE, mm_mfn(l1_page), 0);
  mm_writable(l1_page);
}

static void descriptors(void) {
  for (unsigned i = 0; i < 512; ++i) gdt_page[i] = 0;
  uint64_t ma = pv_va_to_maddr(&gdt_page[4]);
  /* While the page is an ordinary page, update_descriptor still applies the rules. */
  EXPECT("dpl0-data-accepted", HYPERVISOR_update_descriptor(ma, mm_desc(0, 0xfff, 0x2, 0, 1, 0)), 0);
  ktest_check("dpl0-data-becomes-dpl1", mm_desc_dpl(gdt_page[4]) == 1, "stored %#llx", gdt_page[4]);
  EXPECT("dpl0-code-accepted", HYPERVISOR_update_descriptor(ma, mm_desc(0, 0xfffff, 0xa, 0, 1, 1)), 0);
  ktest_check("dpl0-code-becomes-dpl1", mm_desc_dpl(gdt_page[4]) == 1 &&
                                            mm_desc_limit(gdt_page[4]) == (MACH2PHYS_VIRT_END >> 12) - 1,
              "stored %#llx", gdt_page[4]);
  EXPECT("call-gate-to-ring0", HYPERVISOR_update_descriptor(ma, mm_gate(0xe008, 0x1000, 3)), -XEN_EINVAL);
  EXPECT("call-gate-to-ring1", HYPERVISOR_update_descriptor(ma, mm_gate(FLAT_KERNEL_CS, 0x1000, 3)), 0);
  EXPECT("tss-descriptor", HYPERVISOR_update_descriptor(ma, mm_desc(0x1000, 0x67, 0x9, 1, 0, 0)), -XEN_EINVAL);
  EXPECT("segment-reaching-hypervisor",
         HYPERVISOR_update_descriptor(ma, mm_desc(MACH2PHYS_VIRT_END - 0x8000, 0xffff, 0x2, 1, 1, 0)), -XEN_EINVAL);
  EXPECT("segment-based-in-hypervisor",
         HYPERVISOR_update_descriptor(ma, mm_desc(HYPERVISOR_VIRT_START + 0x1000000, 0, 0x2, 1, 1, 1)), -XEN_EINVAL);
  EXPECT("descriptor-in-page-table",
         HYPERVISOR_update_descriptor((uint64_t)mm_l3_mfn() << PV_PAGE_SHIFT, 0), -XEN_EINVAL);

  /* set_gdt: a frame still mapped writable, too many entries; then a good GDT whose frame
     may not be mapped writable any more. */
  gdt_page[4] = 0;
  unsigned long frames[15];
  for (int i = 0; i < 15; ++i) frames[i] = mm_mfn(gdt_page);
  EXPECT("gdt-frame-writable", HYPERVISOR_set_gdt(frames, 512), -XEN_EINVAL);
  EXPECT("gdt-too-many-entries", HYPERVISOR_set_gdt(frames, 15 * 512), -XEN_EINVAL);
  gdt_page[5] = mm_gate(0xe008, 0, 3); /* a hostile gate hidden in the page */
  mm_read_only(gdt_page);
  EXPECT("gdt-hostile-gate", HYPERVISOR_set_gdt(frames, 512), -XEN_EINVAL);
  mm_writable(gdt_page);
  gdt_page[5] = 0;
  mm_read_only(gdt_page);
  EXPECT("gdt-good", HYPERVISOR_set_gdt(frames, 512), 0);
  EXPECT("map-gdt-frame-writable", map_at(window(), mm_mfn(gdt_page), PV_PTE_P | PV_PTE_RW), -XEN_EBUSY);
  EXPECT("remap-gdt-page-writable", mm_writable(gdt_page), -XEN_EBUSY);
  HYPERVISOR_set_gdt(frames, 0);
  EXPECT("gdt-page-writable-after", mm_writable(gdt_page), 0);
  EXPECT("ldt-reaching-hypervisor", mm_ext1(MMUEXT_SET_LDT, HYPERVISOR_VIRT_START - 0x1000, 1024), -XEN_EINVAL);
  EXPECT("ldt-unaligned", mm_ext1(MMUEXT_SET_LDT, (uint32_t)(uintptr_t)gdt_page + 8, 1), -XEN_EINVAL);
  EXPECT("ldt-writable-page", mm_ext1(MMUEXT_SET_LDT, (uint32_t)(uintptr_t)gdt_page, 1), -XEN_EINVAL);
  pv_unmap_frame(0);
}

/* A grant mapping whose PTE the guest overwrites with mmu_update: the overwrite gives the
   mapping's references back, so the unmap that follows must not drop them again (Xen answers
   GNTST_general_error). Were they dropped twice, the kernel's own writable mapping of the
   page would no longer be counted and the page could become a page table while writable. */
static uint32_t granted_page[1024] __attribute__((aligned(4096)));

static void grant_pte_overwritten(void) {
  xen_pfn_t frames[1];
  struct gnttab_setup_table st = {DOMID_SELF, 1, 0, {0}};
  set_xen_guest_handle(st.frame_list, frames);
  if (!ktest_check("grant-setup", HYPERVISOR_grant_table_op(GNTTABOP_setup_table, &st, 1) == 0 && st.status == 0,
                   "setup_table status %d", st.status))
    return;
  int err = 0;
  volatile grant_entry_v1_t* table = pv_map_frame(1, (uint32_t)frames[0], PV_PTE_RW | PV_PTE_A | PV_PTE_D, &err);
  if (!ktest_check("grant-table-mapped", table != 0, "update_va_mapping answered %d", err)) return;
  const uint32_t page = mm_mfn(granted_page);
  table[3].domid = 1; /* pvlab's domain */
  table[3].frame = page;
  __atomic_thread_fence(__ATOMIC_SEQ_CST);
  table[3].flags = GTF_permit_access;

  const uint32_t va = (uint32_t)(uintptr_t)pv_map_slot_va(2);
  HYPERVISOR_update_va_mapping(va, 0, UVMF_INVLPG);
  struct gnttab_map_grant_ref map = {0};
  map.host_addr = va;
  map.flags = GNTMAP_host_map;
  map.ref = 3;
  map.dom = DOMID_SELF;
  HYPERVISOR_grant_table_op(GNTTABOP_map_grant_ref, &map, 1);
  if (!ktest_check("grant-map", map.status == GNTST_okay, "status %d", map.status)) return;
  EXPECT("grant-pte-overwritten", mm_update1(mm_l1e_maddr(va), 0), 0);
  struct gnttab_unmap_grant_ref unmap = {0};
  unmap.host_addr = va;
  unmap.handle = map.handle;
  HYPERVISOR_grant_table_op(GNTTABOP_unmap_grant_ref, &unmap, 1);
  EXPECT("grant-unmap-after-overwrite", unmap.status, GNTST_general_error);
  HYPERVISOR_grant_table_op(GNTTABOP_unmap_grant_ref, &unmap, 1);
  EXPECT("grant-unmap-again", unmap.status, GNTST_bad_handle);
  ktest_check("grant-entry-released", (table[3].flags & (GTF_reading | GTF_writing)) == 0, "flags %#x",
              table[3].flags);
  /* granted_page is still mapped writable in the kernel's own region: it cannot be an L1. */
  int rc = mm_ext1(MMUEXT_PIN_L1_TABLE, page, 0);
  EXPECT("grant-counts-intact", rc, -XEN_EINVAL);
  if (rc == 0) mm_ext1(MMUEXT_UNPIN_TABLE, page, 0);
  granted_page[0] = 1; /* and it is still writable */
  pv_unmap_frame(2);
  pv_unmap_frame(1);
}

int main(void) {
  kprintf("pv mm: hostile page-table and descriptor updates\n");
  int rc = pv_traps_init();
  if (!ktest_check("trap-table", rc == 0, "set_trap_table answered %d", rc)) ktest_finish();
  writable_tables();
  foreign_frames();
  reserved_bits();
  hypervisor_area();
  hostile_store();
  descriptors();
  grant_pte_overwritten();
  ktest_finish();
}
