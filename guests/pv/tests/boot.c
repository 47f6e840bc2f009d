/* Boot: what a freshly built 32-bit PAE PV domain must look like, by the rules of the
   start_info comment in xen/xen.h and Xen's domain builder.

   - start_info: the PAE magic, ESI pointing at it.
   - Entry state (as head.S recorded it): ring 1, CS = FLAT_KERNEL_CS (0xe019), the data and
     stack segments FLAT_KERNEL_DS (0xe021), IF=1 with IOPL 0, ESP at the top of the
     bootstrap stack.
   - Layout of the bootstrap region, each element 4 KiB aligned and packed after the
     previous one: kernel image, P2M list (nr_pages entries), start_info, xenstore page,
     console page (neither for the initial domain, whose store_mfn, store_evtchn and
     console.dom0 are zero), bootstrap page tables (nr_pt_frames from
     pt_base), boot stack; the region mapped 1:1 onto pseudo-physical frames, read-write
     except the page tables (read-only), at least 512 KiB of padding and an end on a 4 MiB
     boundary; legal PAE L3 entries.
   - The P2M list and the M2P table (read at 0xF5800000) agree for every page.
   - The hypercall page: 128 stubs `mov $n,%eax; int $0x82; ret`, iret's
     `push %eax; mov $23,%eax; int $0x82`, the rest of each 32 bytes 0xCC.
   - shared_info maps with update_va_mapping and vcpu 0's upcall mask is set.
   - xen_version's sub-ops answer; console_io writes and refuses a bad buffer. */
#include "pv.h"

static const start_info_t* si;

#define KIB 1024u
#define MIB (1024u * 1024u)
#define PAGE_UP(x) (((x) + PV_PAGE_SIZE - 1) & ~(PV_PAGE_SIZE - 1))

static uint32_t image_end(void) { return PAGE_UP((uint32_t)(uintptr_t)_end); }
static uint32_t pt_start(void) { return (uint32_t)si->pt_base; }
static uint32_t pt_end(void) { return pt_start() + (uint32_t)si->nr_pt_frames * PV_PAGE_SIZE; }
static int is_pt_page(uint32_t va) { return va >= pt_start() && va < pt_end(); }
static int is_domu(void) { return !(si->flags & SIF_INITDOMAIN); }

static void check_start_info(void) {
  const char* want = "xen-3.0-x86_32p";
  char magic[sizeof si->magic + 1];
  int same = 1;
  for (unsigned i = 0; i < sizeof si->magic; ++i) {
    magic[i] = si->magic[i];
    if (i <= 15) same &= magic[i] == want[i];
  }
  magic[sizeof si->magic] = '\0';
  ktest_check("start-info-magic", same, "magic \"%s\", expected \"%s\"", magic, want);
  ktest_check("start-info-esi", pv_boot_regs.esi == (uint32_t)(uintptr_t)si && (pv_boot_regs.esi & 0xfff) == 0,
              "ESI = %#x, start_info must be a page", pv_boot_regs.esi);
  ktest_check("start-info-nr-pages", si->nr_pages > 0 && si->nr_pages < MACH2PHYS_NR_ENTRIES,
              "nr_pages = %lu", si->nr_pages);
  kprintf("  (domain: nr_pages %lu, flags %#x, %s)\n", si->nr_pages, si->flags,
          is_domu() ? "domU" : "initial domain");
}

static void check_entry_registers(void) {
  const struct pv_boot_regs* r = &pv_boot_regs;
  KCHECK_EQ("entry-cs", r->cs & 0xffff, FLAT_KERNEL_CS);
  KCHECK_EQ("entry-ring", r->cs & 3, 1);
  int data_ok = (r->ds & 0xffff) == FLAT_KERNEL_DS && (r->es & 0xffff) == FLAT_KERNEL_DS &&
                (r->fs & 0xffff) == FLAT_KERNEL_DS && (r->gs & 0xffff) == FLAT_KERNEL_DS;
  ktest_check("entry-data-segments", data_ok, "DS %#x ES %#x FS %#x GS %#x, expected %#x", r->ds & 0xffff,
              r->es & 0xffff, r->fs & 0xffff, r->gs & 0xffff, FLAT_KERNEL_DS);
  KCHECK_EQ("entry-ss", r->ss & 0xffff, FLAT_KERNEL_SS);
  ktest_check("entry-eflags", (r->eflags & EFL_IF) && (r->eflags & EFL_IOPL3) == 0,
              "EFLAGS = %#x, expected IF=1 and IOPL 0", r->eflags);
  uint32_t want = pt_end() + PV_PAGE_SIZE;
  ktest_check("entry-esp", r->esp == want,
              "ESP = %#x, expected %#x: the top of the stack page after the %lu page-table frames at %#lx",
              r->esp, want, si->nr_pt_frames, si->pt_base);
}

/* The bootstrap elements in order, each page aligned and packed after the previous one. */
static void check_layout(void) {
  uint32_t p2m = (uint32_t)si->mfn_list;
  uint32_t after_image = si->mod_len ? PAGE_UP((uint32_t)si->mod_start + (uint32_t)si->mod_len) : image_end();
  ktest_check("layout-p2m", p2m == after_image, "mfn_list = %#x, expected %#x (right after the %s)", p2m,
              after_image, si->mod_len ? "initial ram disk" : "kernel image");
  uint32_t start_info_va = PAGE_UP(p2m + 4 * (uint32_t)si->nr_pages);
  ktest_check("layout-start-info", (uint32_t)(uintptr_t)si == start_info_va,
              "start_info at %p, expected %#x: after a P2M list of nr_pages = %lu entries", (const void*)si,
              start_info_va, si->nr_pages);
  uint32_t next = start_info_va + PV_PAGE_SIZE;
  if (is_domu()) {
    uint32_t store_pfn = pv_mfn_to_pfn((uint32_t)si->store_mfn);
    uint32_t console_pfn = pv_mfn_to_pfn((uint32_t)si->console.domU.mfn);
    ktest_check("layout-xenstore-page", store_pfn == pv_va_to_pfn((void*)next),
                "store_mfn %#x is pfn %#x, expected pfn %#x (the page after start_info)", (uint32_t)si->store_mfn,
                store_pfn, pv_va_to_pfn((void*)next));
    next += PV_PAGE_SIZE;
    ktest_check("layout-console-page", console_pfn == pv_va_to_pfn((void*)next),
                "console mfn %#x is pfn %#x, expected pfn %#x (the page after the xenstore page)",
                (uint32_t)si->console.domU.mfn, console_pfn, pv_va_to_pfn((void*)next));
    next += PV_PAGE_SIZE;
  } else {
    /* Xen's dom0 builder: no xenstore page or console ring, and no console information. */
    ktest_check("dom0-no-xenstore", si->store_mfn == 0 && si->store_evtchn == 0,
                "store_mfn %#x store_evtchn %u, expected none for the initial domain", (uint32_t)si->store_mfn,
                (unsigned)si->store_evtchn);
    ktest_check("dom0-no-console-ring", si->console.dom0.info_off == 0 && si->console.dom0.info_size == 0,
                "console.dom0 info_off %u info_size %u, expected 0 (no VGA/VESA console)",
                (unsigned)si->console.dom0.info_off, (unsigned)si->console.dom0.info_size);
  }
  ktest_check("layout-page-tables", pt_start() == next && si->nr_pt_frames >= 3,
              "pt_base = %#x with %lu frames, expected %#x and at least an L3, an L2 and an L1", pt_start(),
              si->nr_pt_frames, next);
}

/* Walk every page of the bootstrap region and the first page past it. */
static void check_bootstrap_mappings(void) {
  uint32_t va = PV_VIRT_BASE, bad_map = 0, bad_rw = 0, bad_table = 0, bad_l3 = 0, walk_errors = 0;
  uint32_t first_bad = 0;
  uint64_t first_bad_pte = 0;
  struct pv_walk w;
  /* The runtime has put shared_info where its page of .bss was. */
  const uint32_t remapped = pv_shared_info ? (uint32_t)(uintptr_t)pv_shared_info_page : 0;
  for (; va < HYPERVISOR_VIRT_START; va += PV_PAGE_SIZE) {
    if (!pv_walk(va, &w)) break;
    if (va == remapped) continue;
    if (w.pte & PV_PTE_PS) { /* the builder maps 4 KiB pages only */
      ++bad_map;
      continue;
    }
    uint32_t pfn = pv_va_to_pfn((void*)va);
    uint32_t mfn = (uint32_t)((w.pte & PV_PTE_FRAME) >> PV_PAGE_SHIFT);
    if (mfn != pv_pfn_to_mfn(pfn)) {
      if (!bad_map++) first_bad = va, first_bad_pte = w.pte;
    }
    int want_rw = !is_pt_page(va);
    if (!!(w.pte & PV_PTE_RW) != want_rw) {
      if (!bad_rw++ && !bad_map) first_bad = va, first_bad_pte = w.pte;
    }
    if (w.l3e & 0x1e6) ++bad_l3; /* PDPTE bits 1-2 and 5-8 are reserved */
    uint32_t l2_va = (uint32_t)(uintptr_t)pv_pfn_to_va(pv_mfn_to_pfn((uint32_t)((w.l3e & PV_PTE_FRAME) >> 12)));
    uint32_t l1_va = (uint32_t)(uintptr_t)pv_pfn_to_va(pv_mfn_to_pfn((uint32_t)((w.l2e & PV_PTE_FRAME) >> 12)));
    if (!is_pt_page(l2_va) || !is_pt_page(l1_va)) ++bad_table;
  }
  if (w.error) ++walk_errors;
  uint32_t end = va;
  uint32_t covered = (end - PV_VIRT_BASE) / PV_PAGE_SIZE;
  ktest_check("bootstrap-mapped", bad_map == 0 && walk_errors == 0,
              "%u pages map another frame than the P2M list says (first %#x: pte %#llx); walk errors %u", bad_map,
              first_bad, first_bad_pte, walk_errors);
  ktest_check("page-tables-read-only", bad_rw == 0,
              "%u pages have the wrong R/W bit (page tables read-only, the rest writable); first %#x pte %#llx",
              bad_rw, first_bad, first_bad_pte);
  ktest_check("page-tables-in-bootstrap-frames", bad_table == 0,
              "%u pages are mapped through L2/L1 tables outside the %lu frames at pt_base", bad_table,
              si->nr_pt_frames);
  ktest_check("l3-entries", bad_l3 == 0, "%u pages have reserved bits set in their PAE L3 entry", bad_l3);
  uint32_t stack_top = pt_end() + PV_PAGE_SIZE;
  ktest_check("bootstrap-end", end % (4 * MIB) == 0 && end >= stack_top + 512 * KIB,
              "the mapping ends at %#x: expected a 4 MiB boundary at least 512 KiB past the stack top %#x", end,
              stack_top);
  ktest_check("bootstrap-within-memory", covered <= si->nr_pages,
              "the bootstrap region has %u pages, the domain %lu", covered, si->nr_pages);
  kprintf("  (bootstrap region %#x-%#x, %u pages)\n", PV_VIRT_BASE, end, covered);
}

static void check_p2m_m2p(void) {
  uint32_t bad = 0, first = 0, first_mfn = 0, first_m2p = 0;
  for (uint32_t pfn = 0; pfn < si->nr_pages; ++pfn) {
    uint32_t mfn = pv_pfn_to_mfn(pfn);
    uint32_t back = mfn < MACH2PHYS_NR_ENTRIES ? PV_M2P[mfn] : PV_INVALID_FRAME;
    if (back != pfn && !bad++) first = pfn, first_mfn = mfn, first_m2p = back;
  }
  ktest_check("p2m-m2p-agree", bad == 0, "%u of %lu pages disagree; first pfn %#x -> mfn %#x -> M2P %#x", bad,
              si->nr_pages, first, first_mfn, first_m2p);
}

static void check_hypercall_page(void) {
  const uint8_t* p = (const uint8_t*)hypercall_page;
  int bad = -1;
  for (int n = 0; n < 128 && bad < 0; ++n) {
    const uint8_t* s = p + n * 32;
    uint8_t want[32];
    for (int i = 0; i < 32; ++i) want[i] = 0xcc;
    int k = 0;
    if (n == __HYPERVISOR_iret) want[k++] = 0x50; /* push %eax */
    want[k++] = 0xb8;                             /* mov $n, %eax */
    want[k++] = (uint8_t)n;
    want[k++] = 0;
    want[k++] = 0;
    want[k++] = 0;
    want[k++] = 0xcd; /* int $0x82 */
    want[k++] = 0x82;
    if (n != __HYPERVISOR_iret) want[k++] = 0xc3; /* ret */
    for (int i = 0; i < 32; ++i)
      if (s[i] != want[i]) bad = n;
  }
  if (bad < 0) {
    ktest_pass("hypercall-page");
    return;
  }
  const uint8_t* s = p + bad * 32;
  ktest_fail("hypercall-page", "stub %d is %02x %02x %02x %02x %02x %02x %02x %02x %02x ...", bad, s[0], s[1], s[2],
             s[3], s[4], s[5], s[6], s[7], s[8]);
}

static void check_shared_info(void) {
  if (!ktest_check("shared-info-mapped", pv_shared_info != 0,
                   "update_va_mapping of shared_info (maddr %#lx) answered %d", si->shared_info,
                   pv_shared_info_error))
    return;
  uint64_t pte = pv_lookup((uint32_t)(uintptr_t)pv_shared_info_page);
  ktest_check("shared-info-pte", (pte & PV_PTE_FRAME) == (uint64_t)si->shared_info && (pte & PV_PTE_RW),
              "the page at %p maps %#llx, expected shared_info %#lx writable", (void*)pv_shared_info_page, pte,
              si->shared_info);
  KCHECK_EQ("shared-info-upcall-mask", pv_shared_info->vcpu_info[0].evtchn_upcall_mask, 1);
}

static int contains(const char* s, unsigned n, const char* word) {
  for (unsigned i = 0; i < n && s[i]; ++i) {
    unsigned k = 0;
    while (word[k] && i + k < n && s[i + k] == word[k]) ++k;
    if (!word[k]) return 1;
  }
  return 0;
}

static void check_xen_version(void) {
  int v = HYPERVISOR_xen_version(XENVER_version, 0);
  ktest_check("xen-version", v > 0 && (v >> 16) >= 3, "XENVER_version = %#x, expected 3.x or later", v);
  xen_extraversion_t extra;
  for (unsigned i = 0; i < sizeof extra; ++i) extra[i] = 'x';
  int rc = HYPERVISOR_xen_version(XENVER_extraversion, extra);
  int ended = 0;
  for (unsigned i = 0; i < sizeof extra; ++i) ended |= extra[i] == '\0';
  ktest_check("xen-version-extraversion", rc == 0 && ended, "rc %d, the string must end within its %u bytes", rc,
              (unsigned)sizeof extra);
  xen_capabilities_info_t caps;
  caps[0] = '\0';
  rc = HYPERVISOR_xen_version(XENVER_capabilities, caps);
  ktest_check("xen-version-capabilities", rc == 0 && contains(caps, sizeof caps, "xen-3.0-x86_32p"),
              "rc %d, capabilities \"%s\" lack xen-3.0-x86_32p", rc, rc == 0 ? caps : "");
  xen_platform_parameters_t pp = {0};
  rc = HYPERVISOR_xen_version(XENVER_platform_parameters, &pp);
  ktest_check("xen-version-platform", rc == 0 && pp.virt_start == HYPERVISOR_VIRT_START,
              "rc %d, virt_start %#lx, expected %#x", rc, pp.virt_start, (uint32_t)HYPERVISOR_VIRT_START);
  int pagesize = HYPERVISOR_xen_version(XENVER_pagesize, 0); /* KCHECK_EQ reads its value twice */
  KCHECK_EQ("xen-version-pagesize", pagesize, PV_PAGE_SIZE);
  /* Submap 0 as Xen reports it to a PV domain: never the translated-guest features; dom0
     for the initial domain only; pae_pgdir_above_4gb because this kernel's PAE_MODE note
     "yes" makes the builder enable the pae_extended_cr3 assist. */
  xen_feature_info_t fi = {0, 0};
  rc = HYPERVISOR_xen_version(XENVER_get_features, &fi);
  uint32_t never = 1u << XENFEAT_writable_page_tables | 1u << XENFEAT_writable_descriptor_tables |
                   1u << XENFEAT_auto_translated_physmap | 1u << XENFEAT_supervisor_mode_kernel;
  ktest_check("xen-version-features-pv", rc == 0 && !(fi.submap & never),
              "rc %d, submap 0 = %#x: a PV domain is not translated (no bits of %#x)", rc, fi.submap, never);
  ktest_check("xen-version-features-dom0", rc == 0 && !!(fi.submap & 1u << XENFEAT_dom0) == !is_domu(),
              "rc %d, submap 0 = %#x: the dom0 bit must be set for the initial domain only", rc, fi.submap);
  ktest_check("xen-version-features-extended-cr3", rc == 0 && (fi.submap & 1u << XENFEAT_pae_pgdir_above_4gb),
              "rc %d, submap 0 = %#x: PAE_MODE \"yes\" starts the domain with the pae_extended_cr3 assist, "
              "so pae_pgdir_above_4gb must be reported", rc, fi.submap);
  fi.submap_idx = 1;
  rc = HYPERVISOR_xen_version(XENVER_get_features, &fi);
  ktest_check("xen-version-features-submap1", rc == -XEN_EINVAL, "submap 1 answered %d, expected %d (there is only one)",
              rc, -XEN_EINVAL);
}

static void check_console_io(void) {
  static char msg[] = "  (console_io: a line written straight through the hypercall)\n";
  pv_console_flush();
  int rc = HYPERVISOR_console_io(CONSOLEIO_write, sizeof msg - 1, msg);
  KCHECK_EQ("console-io-write", rc, 0);
  rc = HYPERVISOR_console_io(CONSOLEIO_write, 0, msg);
  KCHECK_EQ("console-io-empty", rc, 0);
  /* A buffer in the hypervisor's area: Xen answers -EFAULT. */
  rc = HYPERVISOR_console_io(CONSOLEIO_write, 8, (char*)MACH2PHYS_VIRT_START);
  ktest_check("console-io-efault", rc == -XEN_EFAULT, "writing from %#x answered %d, expected %d",
              (uint32_t)MACH2PHYS_VIRT_START, rc, -XEN_EFAULT);
}

int main(void) {
  si = pv_start_info;
  kprintf("pv boot: the state of a freshly built domain\n");
  check_hypercall_page();
  check_start_info();
  check_entry_registers();
  /* From here on, a fault is reported (unexpected-trap) instead of crashing the domain. */
  int rc = pv_traps_init();
  ktest_check("set-trap-table", rc == 0, "set_trap_table answered %d", rc);
  check_layout();
  check_bootstrap_mappings();
  check_p2m_m2p();
  check_shared_info();
  check_xen_version();
  check_console_io();
  ktest_finish();
}
