/* Hypervisor costs under the timing model (tests/timing/check_hv.py reads what it prints):
     - N page-table updates in one mmu_update call, then the same N updates one call each;
     - an event sent to the kernel itself with events unmasked (the callback runs through a
       bounce frame) and masked (the send only sets flags; the kernel then polls);
     - a pointer chase over pages, one load per page, over few pages (the D-TLB holds them)
       and over more pages than the D-TLB has entries (every load walks).
     - pinning an L1 page table (the hypervisor checks its 512 entries) and unpinning it
       (it drops what each entry held), next to one page-table update (one entry checked);
   Each figure is an RDTSC difference, i.e. the cycles of the timing model. Every phase runs
   once to warm the caches and is measured on its second run. */
#include "events_lib.h"
#include "mm_lib.h"
#include "pv.h"

void ev_dispatch(uint32_t v);   /* events_lib.c: the callback's walk of the pending words */

#define NUPD 64
#define NCHASE_BIG 256
#define NCHASE_SMALL 8
#define CHASE_ROUNDS 8

static uint8_t upd_pages[NUPD][4096] __attribute__((aligned(4096)));
static uint8_t chase_pages[NCHASE_BIG][4096] __attribute__((aligned(4096)));
static mmu_update_t req[NUPD];
static uint64_t pin_table[512] __attribute__((aligned(4096)));

static inline uint32_t rdtsc32(void) {
  uint32_t lo, hi;
  __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
  (void)hi;
  return lo;
}

/* Rewrite each page's own L1 entry with its present value (a valid, harmless update). */
static void prepare_updates(void) {
  for (unsigned i = 0; i < NUPD; ++i) {
    upd_pages[i][0] = 1;
    struct pv_walk w;
    pv_walk((uint32_t)upd_pages[i], &w);
    req[i].ptr = mm_l1e_maddr((uint32_t)upd_pages[i]) | MMU_NORMAL_PT_UPDATE;
    req[i].val = w.l1e;
  }
}

static uint32_t batch_once(int* bad) {
  unsigned done = 0;
  uint32_t t0 = rdtsc32();
  int rc = HYPERVISOR_mmu_update(req, NUPD, &done, DOMID_SELF);
  uint32_t t1 = rdtsc32();
  if (rc || done != NUPD) *bad = 1;
  return t1 - t0;
}

static uint32_t single_once(int* bad) {
  uint32_t t0 = rdtsc32();
  for (unsigned i = 0; i < NUPD; ++i) {
    unsigned done = 0;
    if (HYPERVISOR_mmu_update(&req[i], 1, &done, DOMID_SELF) || done != 1) *bad = 1;
  }
  uint32_t t1 = rdtsc32();
  return t1 - t0;
}

/* Link `n` pages into a ring, one pointer per page at a line that differs page to page (so
   the lines spread over the cache sets), and follow it `rounds` times. */
static void* chase_setup(unsigned n) {
  for (unsigned i = 0; i < n; ++i) {
    void** here = (void**)&chase_pages[i][(i * 64) % 4096];
    *here = &chase_pages[(i + 1) % n][(((i + 1) % n) * 64) % 4096];
  }
  return &chase_pages[0][0];
}

static uint32_t chase_once(void* start, unsigned loads) {
  void* p = start;
  uint32_t t0 = rdtsc32();
  for (unsigned k = 0; k < loads; ++k) p = *(void**)p;
  uint32_t t1 = rdtsc32();
  __asm__ volatile("" : : "r"(p));
  return t1 - t0;
}

/* Pin and unpin pin_table (all 512 entries empty, so the checks are the hypervisor's own
   work, the same for every entry); the cycles of each call go to *pin and *unpin. */
static void pin_once(uint32_t* pin, uint32_t* unpin, int* bad) {
  const uint32_t mfn = mm_mfn(pin_table);
  uint32_t t0 = rdtsc32();
  int rc = mm_ext1(MMUEXT_PIN_L1_TABLE, mfn, 0);
  uint32_t t1 = rdtsc32();
  rc |= mm_ext1(MMUEXT_UNPIN_TABLE, mfn, 0);
  uint32_t t2 = rdtsc32();
  if (rc) *bad = 1;
  *pin = t1 - t0;
  *unpin = t2 - t1;
}

static uint32_t update_once(int* bad) {
  uint32_t t0 = rdtsc32();
  if (mm_update1(req[0].ptr, req[0].val)) *bad = 1;
  uint32_t t1 = rdtsc32();
  return t1 - t0;
}

static uint32_t event_once(evtchn_port_t port, int masked) {
  ev_mask(0, masked);
  uint32_t t0 = rdtsc32();
  ev_send(port);
  uint32_t t1 = rdtsc32();
  if (masked) ev_dispatch(0);
  ev_mask(0, 0);
  return t1 - t0;
}

int main(void) {
  int bad = 0;
  prepare_updates();
  batch_once(&bad);
  uint32_t batch = batch_once(&bad);
  single_once(&bad);
  uint32_t single = single_once(&bad);
  kprintf("hvbench updates %u batch %u single %u ok %u\n", NUPD, batch, single, !bad);

  {
    int pbad = mm_read_only(pin_table);
    uint32_t pin = 0, unpin = 0;
    pin_once(&pin, &unpin, &pbad);
    pin_once(&pin, &unpin, &pbad);
    update_once(&pbad);
    uint32_t one = update_once(&pbad);
    kprintf("hvbench pin entries 512 pin %u unpin %u update %u ok %u\n", pin, unpin, one, !pbad);
  }

  evtchn_port_t port = 0;
  int rc = ev_init();
  rc |= ev_bind_ipi(0, &port);
  uint32_t before = ev_port_count[port];
  event_once(port, 0);
  uint32_t unmasked = event_once(port, 0);
  event_once(port, 1);
  uint32_t masked = event_once(port, 1);
  kprintf("hvbench events unmasked %u masked %u callbacks %u ok %u\n", unmasked, masked,
          ev_port_count[port] - before, rc == 0);

  for (unsigned pass = 0; pass < 2; ++pass) {
    const unsigned n = pass ? NCHASE_BIG : NCHASE_SMALL;
    void* start = chase_setup(n);
    const unsigned loads = NCHASE_BIG * CHASE_ROUNDS;
    chase_once(start, loads);
    uint32_t c = chase_once(start, loads);
    kprintf("hvbench chase pages %u loads %u cycles %u\n", n, loads, c);
  }
  return 0;
}
