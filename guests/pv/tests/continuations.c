/* Continuations: long batches are preempted and resumed the way Xen does it, and the guest
   sees the same end result as from one uninterrupted call.

   - A multicall whose first entry sends an event to an unmasked port, then runs an
     mmu_update of 300 requests, then copies the page holding the callback's counters: the
     mmu_update is preempted inside the multicall, the event callback runs between the
     passes, so the copy shows the callback already ran. The preempted entry keeps its place
     with its arguments rewritten (count flagged MMU_UPDATE_PREEMPTED, the list advanced),
     success_count adds up over the passes, and every request took effect once.
   - mmu_update and mmuext_op called directly with 300+ entries: success_count counts every
     pass; a refusal at request 200 reports 200 done; 301 alternating pin / unpin ops of one
     frame leave it pinned (an op run twice or skipped would be refused).
   - A multicall of 300 entries returns every entry's own result. */
#include "events_lib.h"

#define N 300
#define PREEMPTED 0x80000000u /* MMU_UPDATE_PREEMPTED (Xen-internal, not in the public headers) */

static mmu_update_t reqs[N];
static struct mmuext_op ops[N + 1];
static multicall_entry_t calls[N];
static uint32_t snapshot[1024] __attribute__((aligned(4096)));

/* Frames far above the kernel's bootstrap region: nothing else uses them. */
static uint32_t test_pfn(unsigned k) { return pv_nr_pages() - 1 - k; }
static uint32_t test_mfn(unsigned k) { return pv_pfn_to_mfn(test_pfn(k)); }
static uint32_t mfn_of(const volatile void* va) { return pv_pfn_to_mfn(pv_va_to_pfn((const void*)va)); }

static void fill_m2p(uint32_t (*value)(unsigned)) {
  for (unsigned k = 0; k < N; ++k) {
    reqs[k].ptr = ((uint64_t)test_mfn(k) << PV_PAGE_SHIFT) | MMU_MACHPHYS_UPDATE;
    reqs[k].val = value(k);
  }
}
static uint32_t marker(unsigned k) { return 0x70000000u + k; }
static uint32_t own_pfn(unsigned k) { return test_pfn(k); }

static unsigned m2p_mismatches(uint32_t (*value)(unsigned)) {
  unsigned bad = 0;
  for (unsigned k = 0; k < N; ++k) bad += PV_M2P[test_mfn(k)] != value(k);
  return bad;
}

static void check_multicall_preempted_subcall(void) {
  evtchn_port_t p;
  if (!ktest_check("bind-ipi", ev_bind_ipi(0, &p) == 0, "no port")) return;
  ev_mask(0, 0);
  fill_m2p(marker);
  unsigned done = 0;
  struct evtchn_send send = {p};
  const volatile uint32_t* counter = &ev_port_count[p];
  struct mmuext_op copy = {0};
  copy.cmd = MMUEXT_COPY_PAGE;
  copy.arg1.mfn = mfn_of(snapshot);
  copy.arg2.src_mfn = mfn_of(counter);
  const uint32_t before = *counter;
  calls[0] = (multicall_entry_t){.op = __HYPERVISOR_event_channel_op, .args = {EVTCHNOP_send, (unsigned long)&send}};
  calls[1] = (multicall_entry_t){.op = __HYPERVISOR_mmu_update,
                                 .args = {(unsigned long)reqs, N, (unsigned long)&done, DOMID_SELF}};
  calls[2] = (multicall_entry_t){.op = __HYPERVISOR_mmuext_op,
                                 .args = {(unsigned long)&copy, 1, 0, DOMID_SELF}};
  int rc = HYPERVISOR_multicall(calls, 3);
  ktest_check("multicall-subcall-results", rc == 0 && calls[0].result == 0 && calls[1].result == 0 && calls[2].result == 0,
              "multicall %d, entries %ld %ld %ld", rc, (long)calls[0].result, (long)calls[1].result,
              (long)calls[2].result);
  KCHECK_EQ("multicall-subcall-success-count", done, N);
  KCHECK_EQ("multicall-subcall-every-request-once", m2p_mismatches(marker), 0);
  const uint32_t left = calls[1].args[1] & ~PREEMPTED;
  ktest_check("multicall-subcall-args-rewritten",
              (calls[1].args[1] & PREEMPTED) && left > 0 && left < N && calls[1].args[0] == (unsigned long)&reqs[N - left],
              "entry 1 now has list %#lx count %#lx (list starts at %p)", calls[1].args[0], calls[1].args[1],
              (void*)reqs);
  const uint32_t seen = snapshot[((uint32_t)(uintptr_t)counter & 0xfff) / 4];
  ktest_check("multicall-event-between-passes", seen == before + 1 && *counter == before + 1,
              "the callback had run %u times when the last entry ran (%u in the end), expected %u: "
              "a preempted batch lets events in",
              seen - before, *counter - before, 1);
  ev_close(p);
}

static void check_mmu_update_direct(void) {
  fill_m2p(own_pfn);
  unsigned done = 12345;
  int rc = HYPERVISOR_mmu_update(reqs, N, &done, DOMID_SELF);
  ktest_check("mmu-update-long-batch", rc == 0 && done == N, "rc %d, %u done of %u", rc, done, N);
  KCHECK_EQ("mmu-update-long-batch-effect", m2p_mismatches(own_pfn), 0);

  fill_m2p(marker);
  reqs[200].ptr = ((uint64_t)1 << PV_PAGE_SHIFT) | MMU_MACHPHYS_UPDATE; /* not the domain's frame */
  done = 0;
  rc = HYPERVISOR_mmu_update(reqs, N, &done, DOMID_SELF);
  ktest_check("mmu-update-long-batch-refusal", rc == -XEN_EINVAL && done == 200,
              "rc %d, %u done, expected -EINVAL after 200 (success_count adds up over the passes)", rc, done);
  unsigned bad = 0;
  for (unsigned k = 0; k < N; ++k) bad += PV_M2P[test_mfn(k)] != (k < 200 ? marker(k) : own_pfn(k));
  KCHECK_EQ("mmu-update-long-batch-stops", bad, 0);
  fill_m2p(own_pfn);
  HYPERVISOR_mmu_update(reqs, N, &done, DOMID_SELF);
}

static void check_mmuext_direct(void) {
  const uint32_t frame = test_mfn(N + 1); /* never mapped: free to become an L1 */
  for (unsigned k = 0; k <= N; ++k) {
    ops[k].cmd = (k & 1) ? MMUEXT_UNPIN_TABLE : MMUEXT_PIN_L1_TABLE;
    ops[k].arg1.mfn = frame;
  }
  unsigned done = 0;
  int rc = HYPERVISOR_mmuext_op(ops, N + 1, &done, DOMID_SELF);
  ktest_check("mmuext-long-batch", rc == 0 && done == N + 1, "rc %d, %u done of %u", rc, done, N + 1);
  struct mmuext_op unpin = {0};
  unpin.cmd = MMUEXT_UNPIN_TABLE;
  unpin.arg1.mfn = frame;
  int first = HYPERVISOR_mmuext_op(&unpin, 1, 0, DOMID_SELF);
  int second = HYPERVISOR_mmuext_op(&unpin, 1, 0, DOMID_SELF);
  ktest_check("mmuext-long-batch-effect", first == 0 && second == -XEN_EINVAL,
              "unpin after the batch %d, again %d: the frame should have been left pinned once", first, second);
}

static void check_multicall_long(void) {
  int version = HYPERVISOR_xen_version(XENVER_version, 0);
  for (unsigned k = 0; k < N; ++k)
    calls[k] = (multicall_entry_t){.op = __HYPERVISOR_xen_version, .result = 0xdead, .args = {XENVER_version, 0}};
  calls[N - 1].args[0] = 0x7777; /* an unknown sub-op: its own error */
  int rc = HYPERVISOR_multicall(calls, N);
  unsigned bad = 0;
  for (unsigned k = 0; k < N - 1; ++k) bad += calls[k].result != (unsigned long)version;
  ktest_check("multicall-long", rc == 0 && bad == 0 && (long)calls[N - 1].result == -XEN_ENOSYS,
              "multicall %d, %u entries with the wrong result, the last %ld", rc, bad, (long)calls[N - 1].result);
}

int main(void) {
  kprintf("pv continuations: long batches preempted and resumed\n");
  if (!pv_shared_info) pv_panic("shared_info is not mapped (%d)", pv_shared_info_error);
  pv_traps_init();
  int rc = ev_init();
  if (!ktest_check("callbacks", rc == 0, "set_callbacks answered %d", rc)) ktest_finish();
  check_multicall_preempted_subcall();
  check_mmu_update_direct();
  check_mmuext_direct();
  check_multicall_long();
  ktest_finish();
}
