/* Memory management, the valid paths: what a PV kernel does with its page tables and
   descriptor tables, and what it must see afterwards.

   - mmu_update: one entry, then a batch in one call (success_count), a batch stopping at a
     refused entry, MMU_MACHPHYS_UPDATE, MMU_PT_UPDATE_PRESERVE_AD.
   - mmuext_op: pin / unpin an L1 (twice refused), a fresh address space (L3 -> slot-3 L2 ->
     L1) pinned and loaded with NEW_BASEPTR, then the old one back; the fresh tables are
     writable again once nothing uses them.
   - update_va_mapping with UVMF_INVLPG, UVMF_TLB_FLUSH|UVMF_ALL and a vcpu mask; INVLPG and
     TLB flushes through mmuext_op.
   - set_gdt with a frame of the kernel (a DPL 0 descriptor comes back as DPL 1, a 4 GiB
     segment ends at the M2P's end), a segment loaded from it, update_descriptor; SET_LDT
     and a selector of the LDT.
   - Writable page tables: with the assist on, a plain store into an L1 in use (mapped
     read-only) is carried out and validated.
   - memory_op: reservations, the e820 map, the M2P's place. */
#include "mm_lib.h"

static uint64_t l1_page[512] __attribute__((aligned(4096)));
static uint64_t l2_page[512] __attribute__((aligned(4096)));
static uint64_t l3_page[512] __attribute__((aligned(4096)));
static uint64_t gdt_page[512] __attribute__((aligned(4096)));
static uint64_t ldt_page[512] __attribute__((aligned(4096)));
static uint32_t data_a[1024] __attribute__((aligned(4096)));
static uint32_t data_b[1024] __attribute__((aligned(4096)));
static uint32_t data_c[1024] __attribute__((aligned(4096)));

static volatile uint32_t* win(int slot) { return (volatile uint32_t*)pv_map_slot_va(slot); }

static void check_mmu_update(void) {
  data_a[0] = 0xaaaa0001;
  data_b[0] = 0xbbbb0002;
  data_c[0] = 0xcccc0003;
  uint32_t w0 = (uint32_t)(uintptr_t)win(0);
  int rc = mm_update1(mm_l1e_maddr(w0), mm_pte(mm_mfn(data_a), PV_PTE_P | PV_PTE_RW | PV_PTE_A | PV_PTE_D));
  HYPERVISOR_mmuext_op(&(struct mmuext_op){.cmd = MMUEXT_INVLPG_LOCAL, .arg1.linear_addr = w0}, 1, 0, DOMID_SELF);
  ktest_check("mmu-update-one", rc == 0 && win(0)[0] == 0xaaaa0001, "rc %d, window reads %#x", rc, win(0)[0]);

  mmu_update_t batch[3];
  uint32_t* pages[3] = {data_b, data_c, data_a};
  for (int i = 0; i < 3; ++i) {
    batch[i].ptr = mm_l1e_maddr((uint32_t)(uintptr_t)win(i)) | MMU_NORMAL_PT_UPDATE;
    batch[i].val = mm_pte(mm_mfn(pages[i]), PV_PTE_P | PV_PTE_RW | PV_PTE_A | PV_PTE_D);
  }
  unsigned done = 99;
  rc = HYPERVISOR_mmu_update(batch, 3, &done, DOMID_SELF);
  HYPERVISOR_mmuext_op(&(struct mmuext_op){.cmd = MMUEXT_TLB_FLUSH_LOCAL}, 1, 0, DOMID_SELF);
  ktest_check("mmu-update-batch", rc == 0 && done == 3 && win(0)[0] == 0xbbbb0002 && win(1)[0] == 0xcccc0003 &&
                                      win(2)[0] == 0xaaaa0001,
              "rc %d done %u, windows %#x %#x %#x", rc, done, win(0)[0], win(1)[0], win(2)[0]);

  /* A batch stops at the first refusal: entry 1 maps an L1 writable. */
  batch[0].val = mm_pte(mm_mfn(data_c), PV_PTE_P | PV_PTE_A);
  batch[1].val = mm_pte(mm_l1_mfn(w0), PV_PTE_P | PV_PTE_RW);
  done = 99;
  rc = HYPERVISOR_mmu_update(batch, 3, &done, DOMID_SELF);
  ktest_check("mmu-update-batch-stops", rc == -XEN_EBUSY && done == 1, "rc %d done %u (expected %d, 1)", rc, done,
              -XEN_EBUSY);

  /* PRESERVE_AD: the A and D bits the entry has survive. */
  uint64_t ptr = mm_l1e_maddr(w0);
  rc = mm_update1(ptr | MMU_PT_UPDATE_PRESERVE_AD, mm_pte(mm_mfn(data_c), PV_PTE_P));
  uint64_t now = pv_lookup(w0);
  ktest_check("mmu-update-preserve-ad", rc == 0 && (now & (PV_PTE_A | PV_PTE_P)) == (PV_PTE_A | PV_PTE_P) &&
                                            !(now & PV_PTE_RW),
              "rc %d, entry %#llx", rc, now);

  /* The M2P entry of one of the domain's frames. */
  uint32_t pfn = pv_va_to_pfn(data_a);
  rc = mm_update1(((uint64_t)mm_mfn(data_a) << PV_PAGE_SHIFT) | MMU_MACHPHYS_UPDATE, 12345);
  uint32_t m2p = PV_M2P[mm_mfn(data_a)];
  mm_update1(((uint64_t)mm_mfn(data_a) << PV_PAGE_SHIFT) | MMU_MACHPHYS_UPDATE, pfn);
  ktest_check("mmu-machphys-update", rc == 0 && m2p == 12345 && PV_M2P[mm_mfn(data_a)] == pfn,
              "rc %d, M2P read %u", rc, m2p);
  for (int i = 0; i < 3; ++i) pv_unmap_frame(i);
}

static void check_pins_and_baseptr(void) {
  /* An L1 mapping data_a at MM_SPARE_VA, an L2 (slot 3's: the kernel's entries copied) that
     links it, an L3 with that L2 in slot 3. */
  const volatile uint64_t* cur_l2 = pv_table_frame(mm_l2_mfn((uint32_t)(uintptr_t)_start));
  const volatile uint64_t* cur_l3 = (const volatile uint64_t*)pv_start_info->pt_base;
  if (!cur_l2) {
    ktest_fail("new-baseptr", "the current L2 cannot be read");
    return;
  }
  for (unsigned i = 0; i < 512; ++i) l1_page[i] = l2_page[i] = l3_page[i] = 0;
  data_a[0] = 0x5151a0a0;
  l1_page[0] = mm_pte(mm_mfn(data_a), PV_PTE_P | PV_PTE_RW | PV_PTE_A | PV_PTE_D);
  for (unsigned i = 0; i < MM_FIRST_HV_L2_SLOT; ++i) l2_page[i] = cur_l2[i];
  l2_page[(MM_SPARE_VA >> 21) & 511] = mm_pte(mm_mfn(l1_page), PV_PTE_P | PV_PTE_RW | PV_PTE_A);
  for (unsigned i = 0; i < 3; ++i) l3_page[i] = cur_l3[i];
  l3_page[3] = mm_pte(mm_mfn(l2_page), PV_PTE_P);
  int ro = mm_read_only(l1_page) | mm_read_only(l2_page) | mm_read_only(l3_page);

  int pin1 = mm_ext1(MMUEXT_PIN_L1_TABLE, mm_mfn(l1_page), 0);
  int again = mm_ext1(MMUEXT_PIN_L1_TABLE, mm_mfn(l1_page), 0);
  int unpin = mm_ext1(MMUEXT_UNPIN_TABLE, mm_mfn(l1_page), 0);
  int unpin2 = mm_ext1(MMUEXT_UNPIN_TABLE, mm_mfn(l1_page), 0);
  ktest_check("pin-unpin-l1", ro == 0 && pin1 == 0 && again == -XEN_EINVAL && unpin == 0 && unpin2 == -XEN_EINVAL,
              "read-only %d, pin %d, pin again %d, unpin %d, unpin again %d", ro, pin1, again, unpin, unpin2);

  uint32_t old = mm_l3_mfn();
  int pin3 = mm_ext1(MMUEXT_PIN_L3_TABLE, mm_mfn(l3_page), 0);
  int base = mm_ext1(MMUEXT_NEW_BASEPTR, mm_mfn(l3_page), 0);
  uint32_t seen = *(volatile uint32_t*)MM_SPARE_VA;   /* only the new space maps it */
  int back = mm_ext1(MMUEXT_NEW_BASEPTR, old, 0);
  ktest_check("new-baseptr", pin3 == 0 && base == 0 && seen == 0x5151a0a0 && back == 0,
              "pin L3 %d, new base %d, read %#x at %#x, old base back %d", pin3, base, seen, MM_SPARE_VA, back);
  int unpin3 = mm_ext1(MMUEXT_UNPIN_TABLE, mm_mfn(l3_page), 0);
  int rw = mm_writable(l1_page) | mm_writable(l2_page) | mm_writable(l3_page);
  ktest_check("tables-released", unpin3 == 0 && rw == 0,
              "unpin %d; making the tables writable again answered %d", unpin3, rw);
}

static void check_flushes(void) {
  data_a[0] = 0x11111111;
  data_b[0] = 0x22222222;
  uint32_t w = (uint32_t)(uintptr_t)win(3);
  int rc1 = HYPERVISOR_update_va_mapping(w, mm_pte(mm_mfn(data_a), PV_PTE_P | PV_PTE_A), UVMF_INVLPG | UVMF_LOCAL);
  uint32_t first = win(3)[0];
  int rc2 = HYPERVISOR_update_va_mapping(w, mm_pte(mm_mfn(data_b), PV_PTE_P | PV_PTE_A), UVMF_TLB_FLUSH | UVMF_ALL);
  uint32_t second = win(3)[0];
  unsigned long mask = 1;   /* vcpu 0 */
  int rc3 = HYPERVISOR_update_va_mapping(w, mm_pte(mm_mfn(data_a), PV_PTE_P | PV_PTE_A),
                                         UVMF_INVLPG | (unsigned long)(uintptr_t)&mask);
  uint32_t third = win(3)[0];
  ktest_check("update-va-mapping-flushes", rc1 == 0 && rc2 == 0 && rc3 == 0 && first == 0x11111111 &&
                                               second == 0x22222222 && third == 0x11111111,
              "rc %d %d %d, reads %#x %#x %#x", rc1, rc2, rc3, first, second, third);
  struct mmuext_op ops[4] = {{.cmd = MMUEXT_INVLPG_ALL, .arg1.linear_addr = w},
                             {.cmd = MMUEXT_TLB_FLUSH_ALL},
                             {.cmd = MMUEXT_TLB_FLUSH_MULTI},
                             {.cmd = MMUEXT_INVLPG_MULTI, .arg1.linear_addr = w}};
  set_xen_guest_handle(ops[2].arg2.vcpumask, &mask);
  set_xen_guest_handle(ops[3].arg2.vcpumask, &mask);
  unsigned done = 0;
  int rc = HYPERVISOR_mmuext_op(ops, 4, &done, DOMID_SELF);
  ktest_check("mmuext-flushes", rc == 0 && done == 4, "rc %d done %u", rc, done);
  pv_unmap_frame(3);
}

static uint32_t read_fs(uint16_t sel, uint32_t off) {
  uint32_t v;
  __asm__ volatile("mov %1, %%fs\n\tmovl %%fs:(%2), %0\n\tmov %3, %%fs"
                   : "=r"(v)
                   : "r"((uint32_t)sel), "r"(off), "r"((uint32_t)FLAT_KERNEL_DS)
                   : "memory");
  return v;
}

static void check_descriptor_tables(void) {
  for (unsigned i = 0; i < 512; ++i) gdt_page[i] = ldt_page[i] = 0;
  gdt_page[1] = mm_desc(0, 0xfffff, 0x2, 0, 1, 1); /* ring-0 flat data: Xen makes it ring 1 */
  gdt_page[2] = mm_desc((uint32_t)(uintptr_t)data_c, 0xfff, 0x2, 1, 1, 0);
  data_c[1] = 0x600d600d;
  int ro = mm_read_only(gdt_page);
  unsigned long frames[1] = {mm_mfn(gdt_page)};
  int rc = HYPERVISOR_set_gdt(frames, 512);
  uint64_t d1 = gdt_page[1];
  ktest_check("set-gdt", ro == 0 && rc == 0, "read-only %d, set_gdt %d", ro, rc);
  ktest_check("gdt-dpl0-becomes-dpl1", mm_desc_dpl(d1) == 1 && (d1 & (1ull << 40)),
              "descriptor %#llx: DPL %u (expected 1, accessed set)", d1, mm_desc_dpl(d1));
  ktest_check("gdt-limit-truncated", mm_desc_limit(d1) == (MACH2PHYS_VIRT_END >> 12) - 1,
              "limit %#x, expected %#x", mm_desc_limit(d1), (unsigned)(MACH2PHYS_VIRT_END >> 12) - 1);
  ktest_check("gdt-segment-loads", read_fs(0x11, 4) == 0x600d600d, "fs:4 through selector 0x11");
  uint64_t ma = pv_va_to_maddr(&gdt_page[3]);
  rc = HYPERVISOR_update_descriptor(ma, mm_desc((uint32_t)(uintptr_t)data_c, 0xfff, 0x2, 3, 1, 0));
  ktest_check("update-descriptor", rc == 0 && mm_desc_dpl(gdt_page[3]) == 3 && read_fs(0x1b, 4) == 0x600d600d,
              "rc %d, descriptor %#llx", rc, gdt_page[3]);

  /* The LDT: one descriptor, the page read-only. */
  ldt_page[0] = mm_desc((uint32_t)(uintptr_t)data_c, 0xfff, 0x2, 3, 1, 0);
  int lro = mm_read_only(ldt_page);
  int lrc = mm_ext1(MMUEXT_SET_LDT, (uint32_t)(uintptr_t)ldt_page, 1);
  ktest_check("set-ldt", lro == 0 && lrc == 0 && read_fs(0x07, 4) == 0x600d600d, "read-only %d, SET_LDT %d", lro,
              lrc);
  int off = mm_ext1(MMUEXT_SET_LDT, 0, 0);
  int gdt_off = HYPERVISOR_set_gdt(frames, 0);
  int rw = mm_writable(gdt_page) | mm_writable(ldt_page);
  ktest_check("descriptor-tables-released", off == 0 && gdt_off == 0 && rw == 0,
              "SET_LDT 0: %d, set_gdt 0: %d, writable again: %d", off, gdt_off, rw);
}

static void check_writable_page_tables(void) {
  int on = HYPERVISOR_vm_assist(VMASST_CMD_enable, VMASST_TYPE_writable_pagetables);
  for (unsigned i = 0; i < 512; ++i) l1_page[i] = 0;
  int ro = mm_read_only(l1_page);
  int pin = mm_ext1(MMUEXT_PIN_L1_TABLE, mm_mfn(l1_page), 0);
  uint32_t va = MM_SPARE_VA + 0x200000; /* the next 2 MiB */
  int link = mm_update1(mm_l2e_maddr(va), mm_pte(mm_mfn(l1_page), PV_PTE_P | PV_PTE_RW | PV_PTE_A));
  if (!ktest_check("ptwr-setup", on == 0 && ro == 0 && pin == 0 && link == 0, "assist %d ro %d pin %d link %d", on,
                   ro, pin, link))
    return;
  data_b[5] = 0x7777abcd;
  ((volatile uint64_t*)l1_page)[3] = mm_pte(mm_mfn(data_b), PV_PTE_P | PV_PTE_RW | PV_PTE_A | PV_PTE_D);
  uint32_t seen = ((volatile uint32_t*)(va + 3 * 4096))[5];
  ktest_check("ptwr-store-applied", seen == 0x7777abcd && (l1_page[3] >> 12) == mm_mfn(data_b),
              "read %#x through the new entry %#llx", seen, l1_page[3]);
  ((volatile uint64_t*)l1_page)[3] = 0;
  HYPERVISOR_mmuext_op(&(struct mmuext_op){.cmd = MMUEXT_INVLPG_LOCAL, .arg1.linear_addr = va + 3 * 4096}, 1, 0,
                       DOMID_SELF);
  ktest_check("ptwr-store-cleared", l1_page[3] == 0 && pv_lookup(va + 3 * 4096) == 0, "entry %#llx", l1_page[3]);
  int unlink = mm_update1(mm_l2e_maddr(va), 0);
  int unpin = mm_ext1(MMUEXT_UNPIN_TABLE, mm_mfn(l1_page), 0);
  int rw = mm_writable(l1_page);
  ktest_check("ptwr-released", unlink == 0 && unpin == 0 && rw == 0, "unlink %d unpin %d writable %d", unlink, unpin,
              rw);
}

static void check_memory_op(void) {
  domid_t self = DOMID_SELF;
  int cur = HYPERVISOR_memory_op(XENMEM_current_reservation, &self);
  int max = HYPERVISOR_memory_op(XENMEM_maximum_reservation, &self);
  ktest_check("memory-reservation", cur == (int)pv_nr_pages() && max == (int)pv_nr_pages(), "current %d maximum %d, nr_pages %u",
              cur, max, pv_nr_pages());
  struct e820entry_pv {
    uint64_t addr, size;
    uint32_t type;
  } __attribute__((packed)) map[4];
  struct xen_memory_map mm = {.nr_entries = 4};
  set_xen_guest_handle(mm.buffer, map);
  int rc = HYPERVISOR_memory_op(XENMEM_memory_map, &mm);
  ktest_check("memory-map", rc == 0 && mm.nr_entries == 1 && map[0].addr == 0 &&
                                map[0].size == (uint64_t)pv_nr_pages() * 4096 && map[0].type == 1,
              "rc %d, %u entries, first %#llx+%#llx type %u", rc, mm.nr_entries, map[0].addr, map[0].size, map[0].type);
  struct xen_machphys_mapping where;
  rc = HYPERVISOR_memory_op(XENMEM_machphys_mapping, &where);
  ktest_check("machphys-mapping", rc == 0 && where.v_start == MACH2PHYS_VIRT_START && where.v_end == MACH2PHYS_VIRT_END,
              "rc %d, %#lx-%#lx", rc, where.v_start, where.v_end);
  int top = HYPERVISOR_memory_op(XENMEM_maximum_ram_page, 0);
  ktest_check("maximum-ram-page", top > (int)pv_nr_pages(), "answered %d", top);
}

int main(void) {
  kprintf("pv mm: page tables and descriptor tables, the valid paths\n");
  int rc = pv_traps_init();
  if (!ktest_check("trap-table", rc == 0, "set_trap_table answered %d", rc)) ktest_finish();
  check_mmu_update();
  check_pins_and_baseptr();
  check_flushes();
  check_descriptor_tables();
  check_writable_page_tables();
  check_memory_op();
  ktest_finish();
}
