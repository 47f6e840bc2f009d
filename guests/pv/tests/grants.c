/* Grant tables (v1) and the sysctl probe:
   - query_size and setup_table (the frames, the maximum), set_version 1 and a refused 2;
   - a grant of one of the kernel's pages to itself (pvlab's domain is domain 1) mapped with
     GNTMAP_host_map: reads and writes go through, GTF_reading / GTF_writing show the mapping
     in the entry and clear when it is unmapped;
   - refusals with their GNTST_ codes: a reference past the table, an entry for another domain,
     a writable map of a read-only grant, a frame the domain does not own, an address already
     mapped, a bad handle;
   - copy from a grant reference into one of the kernel's frames, and a copy crossing the page;
   - sysctl: a wrong interface version is -EACCES, the right one -EPERM for this domain. */
#include "pv.h"

#define SELF_DOMID 1
#define SYSCTL_VERSION 0x15

static uint8_t page_a[4096] __attribute__((aligned(4096)));
static uint8_t page_b[4096] __attribute__((aligned(4096)));

static uint32_t mfn_of(void* va) { return pv_pfn_to_mfn(pv_va_to_pfn(va)); }

/* KCHECK_EQ evaluates its value twice: checks of calls go through this. */
static void check_eq(const char* name, long got, long want) { KCHECK_EQ(name, got, want); }

static int gnt(unsigned cmd, void* op, unsigned count) { return HYPERVISOR_grant_table_op(cmd, op, count); }

static int16_t map_ref(uint32_t va, grant_ref_t ref, uint32_t flags, grant_handle_t* handle) {
  struct gnttab_map_grant_ref op = {0};
  op.host_addr = va;
  op.flags = GNTMAP_host_map | flags;
  op.ref = ref;
  op.dom = DOMID_SELF;
  gnt(GNTTABOP_map_grant_ref, &op, 1);
  if (handle) *handle = op.handle;
  return op.status;
}

static int16_t unmap_handle(uint32_t va, grant_handle_t handle) {
  struct gnttab_unmap_grant_ref op = {0};
  op.host_addr = va;
  op.handle = handle;
  gnt(GNTTABOP_unmap_grant_ref, &op, 1);
  return op.status;
}

static void sysctl_probe(void) {
  uint32_t op[32] = {0};
  op[0] = 3; /* XEN_SYSCTL_physinfo */
  op[1] = SYSCTL_VERSION + 1;
  check_eq("sysctl-wrong-version", _hypercall1(__HYPERVISOR_sysctl, (uint32_t)(uintptr_t)op), -XEN_EACCES);
  op[1] = SYSCTL_VERSION;
  check_eq("sysctl-unprivileged", _hypercall1(__HYPERVISOR_sysctl, (uint32_t)(uintptr_t)op), -XEN_EPERM);
}

int main(void) {
  check_eq("trap-table", pv_traps_init(), 0);
  sysctl_probe();

  struct gnttab_query_size qs = {DOMID_SELF, 0, 0, 0};
  check_eq("query-size", gnt(GNTTABOP_query_size, &qs, 1), 0);
  ktest_check("query-size-values", qs.status == GNTST_okay && qs.nr_frames == 0 && qs.max_nr_frames >= 1,
              "status %d, %u frames of at most %u", qs.status, qs.nr_frames, qs.max_nr_frames);

  xen_pfn_t frames[8];
  struct gnttab_setup_table st = {DOMID_SELF, 1, 0, {0}};
  set_xen_guest_handle(st.frame_list, frames);
  check_eq("setup-table", gnt(GNTTABOP_setup_table, &st, 1), 0);
  KCHECK_EQ("setup-table-status", st.status, GNTST_okay);
  struct gnttab_setup_table big = {DOMID_SELF, qs.max_nr_frames + 1, 0, {0}};
  set_xen_guest_handle(big.frame_list, frames);
  gnt(GNTTABOP_setup_table, &big, 1);
  KCHECK_EQ("setup-table-too-big", big.status, GNTST_general_error);

  struct gnttab_set_version sv = {1};
  check_eq("set-version-1", gnt(GNTTABOP_set_version, &sv, 1), 0);
  sv.version = 2;
  check_eq("set-version-2-refused", gnt(GNTTABOP_set_version, &sv, 1), -XEN_EINVAL);
  KCHECK_EQ("set-version-2-reports-1", sv.version, 1);

  int err = 0;
  volatile grant_entry_v1_t* table = pv_map_frame(0, (uint32_t)frames[0], PV_PTE_RW | PV_PTE_A | PV_PTE_D, &err);
  if (!table) {
    ktest_fail("map-grant-table", "update_va_mapping answered %d", err);
    ktest_finish();
  }
  ktest_pass("map-grant-table");

  /* Grant page_a to ourselves (ref 5, writable), read-only as ref 6, to domain 7 as ref 7,
     and a hypervisor frame as ref 8. */
  for (unsigned i = 0; i < 64; ++i) page_a[i] = (uint8_t)(0xa0 + i);
  table[5].domid = SELF_DOMID;
  table[5].frame = mfn_of(page_a);
  table[6].domid = SELF_DOMID;
  table[6].frame = mfn_of(page_a);
  table[7].domid = 7;
  table[7].frame = mfn_of(page_a);
  table[8].domid = SELF_DOMID;
  table[8].frame = 1;
  __atomic_thread_fence(__ATOMIC_SEQ_CST);
  table[5].flags = GTF_permit_access;
  table[6].flags = GTF_permit_access | GTF_readonly;
  table[7].flags = GTF_permit_access;
  table[8].flags = GTF_permit_access;

  /* The host address: window 1, emptied first. */
  uint32_t va = (uint32_t)(uintptr_t)pv_map_slot_va(1);
  check_eq("empty-host-address", HYPERVISOR_update_va_mapping(va, 0, UVMF_INVLPG), 0);
  grant_handle_t h = 0;
  check_eq("map-grant", map_ref(va, 5, 0, &h), GNTST_okay);
  volatile uint8_t* m = (volatile uint8_t*)(uintptr_t)va;
  ktest_check("map-grant-reads", m[0] == 0xa0 && m[63] == 0xa0 + 63, "read %#x %#x", m[0], m[63]);
  m[1] = 0x5a;
  KCHECK_EQ("map-grant-writes", page_a[1], 0x5a);
  ktest_check("entry-in-use", (table[5].flags & (GTF_reading | GTF_writing)) == (GTF_reading | GTF_writing),
              "flags %#x", table[5].flags);
  check_eq("map-grant-address-in-use", map_ref(va, 5, 0, 0), GNTST_bad_virt_addr);
  check_eq("unmap-grant", unmap_handle(va, h), GNTST_okay);
  ktest_check("entry-released", (table[5].flags & (GTF_reading | GTF_writing)) == 0, "flags %#x", table[5].flags);
  check_eq("unmap-bad-handle", unmap_handle(va, h), GNTST_bad_handle);
  KCHECK_EQ("unmapped-entry", pv_lookup(va) & PV_PTE_P, 0);

  check_eq("ref-past-table", map_ref(va, 4096, 0, 0), GNTST_bad_gntref);
  check_eq("ref-invalid-entry", map_ref(va, 9, 0, 0), GNTST_bad_gntref);
  check_eq("ref-other-domain", map_ref(va, 7, 0, 0), GNTST_permission_denied);
  check_eq("ref-readonly-writable-map", map_ref(va, 6, 0, 0), GNTST_permission_denied);
  check_eq("ref-foreign-frame", map_ref(va, 8, 0, 0), GNTST_general_error);
  check_eq("ref-readonly-map", map_ref(va, 6, GNTMAP_readonly, &h), GNTST_okay);
  ktest_check("readonly-map-pte", (pv_lookup(va) & (PV_PTE_P | PV_PTE_RW)) == PV_PTE_P, "pte %#llx",
              (unsigned long long)pv_lookup(va));
  check_eq("readonly-unmap", unmap_handle(va, h), GNTST_okay);

  /* Copy 16 bytes from ref 5 (offset 8) into page_b (offset 100). */
  struct gnttab_copy cp;
  cp.source.u.ref = 5;
  cp.source.domid = DOMID_SELF;
  cp.source.offset = 8;
  cp.dest.u.gmfn = mfn_of(page_b);
  cp.dest.domid = DOMID_SELF;
  cp.dest.offset = 100;
  cp.len = 16;
  cp.flags = GNTCOPY_source_gref;
  cp.status = 99;
  check_eq("copy", gnt(GNTTABOP_copy, &cp, 1), 0);
  KCHECK_EQ("copy-status", cp.status, GNTST_okay);
  ktest_check("copy-data", page_b[100] == 0xa8 && page_b[115] == 0xa0 + 23, "copied %#x .. %#x", page_b[100],
              page_b[115]);
  cp.dest.offset = 4090;
  gnt(GNTTABOP_copy, &cp, 1);
  KCHECK_EQ("copy-crossing-page", cp.status, GNTST_bad_copy_arg);

  pv_unmap_frame(1);
  pv_unmap_frame(0);
  ktest_finish();
}
