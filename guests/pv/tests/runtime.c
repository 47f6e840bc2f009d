/* Runtime: the PV runtime's own helpers against the hypervisor they rely on.

   - The three ways into the hypervisor (typed wrapper, raw call through the hypercall page,
     `int $0x82`) give the same answers; numbers past the table answer -ENOSYS.
   - Page-table walks agree with the P2M list and the bootstrap layout.
   - pv_map_frame maps a frame of the kernel's own into a window (writes show through the
     original address), refuses a writable mapping of a page-table frame, maps it read-only,
     and pv_unmap_frame puts the window's own frame back.
   - The trap table: KTEST_PROBE recovers #BP, #UD, #PF (error code, CR2 from vcpu_info),
     #GP for LGDT in ring 1 and for `int` through a missing gate ((n << 3) | 2); a vector
     routed to a handler runs it, the handler's changes to the frame come back through
     HYPERVISOR_iret, the entry masks events and the return restores the mask. */
#include "pv.h"

static const start_info_t* si;

static void check_hypercall_paths(void) {
  int typed = HYPERVISOR_xen_version(XENVER_version, 0);
  long raw = _hypercall2(__HYPERVISOR_xen_version, XENVER_version, 0);
  long trap = pv_int82(__HYPERVISOR_xen_version, XENVER_version, 0, 0, 0, 0);
  ktest_check("hypercall-paths-agree", typed > 0 && raw == typed && trap == typed,
              "xen_version: wrapper %#x, page %#lx, int 0x82 %#lx", typed, raw, trap);
  long none = _hypercall0(60);
  ktest_check("hypercall-unknown-page", none == -XEN_ENOSYS, "hypercall 60 answered %ld", none);
  struct pv_hc_regs r = {1000, 0, 0, 0, 0, 0};
  pv_int82_regs(&r);
  ktest_check("hypercall-unknown-int82", (int32_t)r.eax == -XEN_ENOSYS, "hypercall 1000 answered %d",
              (int)r.eax);
}

static void check_walks(void) {
  struct pv_walk w;
  uint32_t va = (uint32_t)(uintptr_t)_start;
  int mapped = pv_walk(va, &w);
  uint32_t frame = (uint32_t)((w.pte & PV_PTE_FRAME) >> PV_PAGE_SHIFT);
  ktest_check("walk-kernel", mapped && frame == pv_pfn_to_mfn(pv_va_to_pfn(_start)) && (w.pte & PV_PTE_RW),
              "_start: mapped %d pte %#llx, P2M says mfn %#x", mapped, w.pte, pv_pfn_to_mfn(pv_va_to_pfn(_start)));
  uint64_t pt = pv_lookup((uint32_t)si->pt_base);
  ktest_check("walk-page-table-read-only", (pt & PV_PTE_P) && !(pt & PV_PTE_RW), "pt_base pte %#llx", pt);
  ktest_check("walk-va-to-maddr", pv_va_to_maddr(si) >> 12 == pv_pfn_to_mfn(pv_va_to_pfn(si)) &&
                  (pv_va_to_maddr((const char*)si + 0x123) & 0xfff) == 0x123,
              "start_info maddr %#llx", pv_va_to_maddr(si));
  mapped = pv_walk(0x1000, &w);
  ktest_check("walk-unmapped", !mapped && w.level != 0 && !w.error, "0x1000: mapped %d level %d error %d", mapped,
              w.level, w.error);
  ktest_check("mfn-to-pfn-foreign", pv_mfn_to_pfn(0xfffff) == PV_INVALID_FRAME && pv_pfn_to_mfn(si->nr_pages) == PV_INVALID_FRAME,
              "out-of-range frames must read as invalid");
}

static uint8_t own_page[4096] __attribute__((aligned(4096)));

static void check_mapping(void) {
  int err = 0;
  own_page[0] = 0x5a;
  uint8_t* win = pv_map_frame(0, pv_pfn_to_mfn(pv_va_to_pfn(own_page)), PV_PTE_RW | PV_PTE_A | PV_PTE_D, &err);
  if (!ktest_check("map-frame", win != 0, "update_va_mapping answered %d", err)) return;
  win[1] = 0xa5;
  ktest_check("map-frame-aliases", win[0] == 0x5a && own_page[1] == 0xa5, "window %02x/%02x, page %02x/%02x",
              win[0], win[1], own_page[0], own_page[1]);
  uint32_t l3_mfn = pv_pfn_to_mfn(pv_va_to_pfn((void*)si->pt_base));
  void* bad = pv_map_frame(1, l3_mfn, PV_PTE_RW | PV_PTE_A | PV_PTE_D, &err);
  ktest_check("map-page-table-writable-refused", bad == 0 && err < 0, "answered %d", err);
  const volatile uint64_t* l3 = pv_map_frame(1, l3_mfn, PV_PTE_A, &err);
  ktest_check("map-page-table-read-only", l3 && l3[3] == ((const volatile uint64_t*)si->pt_base)[3],
              "answered %d", err);
  int rc0 = pv_unmap_frame(0), rc1 = pv_unmap_frame(1);
  ktest_check("unmap-frame", rc0 == 0 && rc1 == 0 && pv_lookup((uint32_t)(uintptr_t)pv_map_slot_va(0)) >> 12 ==
                                                        pv_pfn_to_mfn(pv_va_to_pfn(pv_map_slot_va(0))),
              "answered %d, %d", rc0, rc1);
}

/* ---- traps ---- */
static volatile uint32_t handler_runs, handler_mask, handler_cs;

static void on_int80(struct trap_frame* f) {
  ++handler_runs;
  handler_cs = f->cs;
  handler_mask = pv_shared_info ? pv_shared_info->vcpu_info[0].evtchn_upcall_mask : 0xff;
  f->eax += 1;
  f->ebx = 0x1234;
}

static void check_probes(void) {
  int v = KTEST_PROBE("int3");
  KCHECK_EQ("trap-int3", v, 3);
  v = KTEST_PROBE("ud2");
  KCHECK_EQ("trap-ud2", v, 6);
  v = KTEST_PROBE("movl 0x1000, %%eax", : : : "eax", "memory");
  ktest_check("trap-page-fault", v == 14 && (ktest_last_fault.err & 7) == 0 && ktest_last_fault.cr2 == 0x1000,
              "vector %d error %#x cr2 %#x, expected 14, 0 (not present, read, supervisor), 0x1000", v,
              ktest_last_fault.err, ktest_last_fault.cr2);
  uint32_t pt = (uint32_t)si->pt_base;
  v = KTEST_PROBE("movl (%0), %%eax; movl %%eax, (%0)", : : "r"(pt) : "eax", "memory");
  ktest_check("trap-page-table-write", v == 14 && (ktest_last_fault.err & 3) == 3 && ktest_last_fault.cr2 == pt,
              "vector %d error %#x cr2 %#x, expected 14, present + write, %#x", v, ktest_last_fault.err,
              ktest_last_fault.cr2, pt);
  static const uint8_t gdtr[6];
  v = KTEST_PROBE("lgdt %0", : : "m"(gdtr) : "memory");
  ktest_check("trap-lgdt-gp", v == 13 && ktest_last_fault.err == 0, "vector %d error %#x", v, ktest_last_fault.err);
  v = KTEST_PROBE("int $0x81");
  ktest_check("trap-missing-gate", v == 13 && ktest_last_fault.err == ((0x81u << 3) | 2), "vector %d error %#x", v,
              ktest_last_fault.err);
  KCHECK_EQ("trap-frame-cs", ktest_last_fault.cs, FLAT_KERNEL_CS);
}

static void check_routed_vector(void) {
  int rc = pv_trap_route(0x80, 1, 1);
  if (!ktest_check("trap-route", rc == 0, "set_trap_table answered %d", rc)) return;
  ktrap_set(0x80, on_int80);
  /* Events stay masked when one is pending: no event callback is registered. */
  int unmask = pv_shared_info && !pv_shared_info->vcpu_info[0].evtchn_upcall_pending;
  if (unmask) pv_shared_info->vcpu_info[0].evtchn_upcall_mask = 0;
  uint32_t eax = 41, ebx = 0;
  __asm__ volatile("int $0x80" : "+a"(eax), "+b"(ebx) : : "memory");
  uint32_t after = pv_shared_info ? pv_shared_info->vcpu_info[0].evtchn_upcall_mask : 0xff;
  if (pv_shared_info) pv_shared_info->vcpu_info[0].evtchn_upcall_mask = 1;
  ktest_check("trap-handler-ran", handler_runs == 1 && eax == 42 && ebx == 0x1234,
              "runs %u, eax %u ebx %#x: the handler's frame changes must come back", handler_runs, eax, ebx);
  uint32_t saved_mask = unmask ? 0 : 1;
  ktest_check("trap-frame-mask-bits",
              (handler_cs & 0xffff) == FLAT_KERNEL_CS && ((handler_cs >> 16) & 0xff) == saved_mask,
              "saved CS %#x: selector %#x with the saved upcall mask %u in bits 16-23", handler_cs, FLAT_KERNEL_CS,
              saved_mask);
  if (!unmask) {
    ktest_skip("trap-masks-events", "shared_info is not mapped or an event is pending");
    return;
  }
  ktest_check("trap-masks-events", handler_mask == 1 && after == 0,
              "upcall mask %u in the handler (expected 1), %u after HYPERVISOR_iret (expected 0)", handler_mask, after);
}

int main(void) {
  si = pv_start_info;
  kprintf("pv runtime: hypercalls, walks, mappings and traps\n");
  check_hypercall_paths();
  check_walks();
  ktest_check("shared-info", pv_shared_info != 0, "mapping shared_info answered %d", pv_shared_info_error);
  check_mapping();
  int rc = pv_traps_init();
  if (!ktest_check("trap-table", rc == 0, "set_trap_table answered %d", rc)) ktest_finish();
  check_probes();
  check_routed_vector();
  ktest_finish();
}
