/* Paging: 2-level 4 KiB pages, PSE 4 MiB pages, PAE 4 KiB and 2 MiB pages, NX with
   EFER.NXE, accessed and dirty bits, CR0.WP, user/supervisor checks, the #PF error code and
   CR2, and a page-fault handler that maps pages on demand.

   Memory: the first 16 MiB are identity-mapped (user-accessible, so ring 3 can run the
   kernel's own code); test pages live at 1 GiB and above and use frames from 12 MiB up. */
#include "ktest.h"

#define P 0x001u
#define RW 0x002u
#define US 0x004u
#define A 0x020u
#define D 0x040u
#define PS 0x080u
#define NX_BIT (1ull << 63)

#define PF_P 0x01u
#define PF_W 0x02u
#define PF_U 0x04u
#define PF_RSVD 0x08u
#define PF_ID 0x10u

#define VTEST 0x40000000u   /* 4 KiB test pages */
#define VBIG 0x80000000u    /* a 4 MiB (2-level) page */
#define VDEMAND 0x50000000u /* mapped on demand */
#define VNONE 0x60000000u   /* never mapped: its directory entry is not present */
#define DEMAND_PAGES 8

/* 2-level tables. */
static volatile uint32_t pd[1024] __attribute__((aligned(4096)));
static volatile uint32_t pt_id[4][1024] __attribute__((aligned(4096)));
static volatile uint32_t pt_test[1024] __attribute__((aligned(4096)));
static volatile uint32_t pt_demand[1024] __attribute__((aligned(4096)));
/* PAE tables. */
static volatile uint64_t pdpt[4] __attribute__((aligned(32)));
static volatile uint64_t pae_pd[2][512] __attribute__((aligned(4096)));
static volatile uint64_t pae_pt_id[8][512] __attribute__((aligned(4096)));
static volatile uint64_t pae_pt_test[512] __attribute__((aligned(4096)));

static uint32_t next_frame = 0x00c00000;
static uint32_t alloc_frame(void) {
  uint32_t f = next_frame;
  next_frame += 4096;
  uint32_t* p = (uint32_t*)f; /* identity-mapped */
  for (int i = 0; i < 1024; ++i) p[i] = 0;
  return f;
}

static void paging_off(void) { write_cr0(read_cr0() & ~CR0_PG); }
static void paging_on(uint32_t cr3, uint32_t cr4) {
  paging_off();
  write_cr4((read_cr4() & ~(CR4_PSE | CR4_PAE)) | cr4);
  write_cr3(cr3);
  write_cr0(read_cr0() | CR0_PG);
}

#define PROBE_READ(addr) KTEST_PROBE("movl (%0), %%eax", : : "r"(addr) : "eax", "memory")
#define PROBE_WRITE(addr) KTEST_PROBE("movl $0x5a5a5a5a, (%0)", : : "r"(addr) : "memory")

/* Expect a #PF at addr with error code err from the probe that returned vec. */
static void expect_pf(const char* name, int vec, uint32_t addr, uint32_t err) {
  ktest_check(name, vec == 14 && ktest_last_fault.cr2 == addr && ktest_last_fault.err == err,
              "vector %d, CR2 %#x, error %#x; expected #PF at %#x with error %#x", vec,
              ktest_last_fault.cr2, ktest_last_fault.err, addr, err);
}

/* ---- 2-level paging ---- */

static void setup_2level(void) {
  for (int t = 0; t < 4; ++t) {
    for (int i = 0; i < 1024; ++i) pt_id[t][i] = ((uint32_t)(t * 1024 + i) << 12) | P | RW | US;
    pd[t] = (uint32_t)pt_id[t] | P | RW | US;
  }
  pd[VTEST >> 22] = (uint32_t)pt_test | P | RW | US;
  pd[VDEMAND >> 22] = (uint32_t)pt_demand | P | RW | US;
  paging_on((uint32_t)pd, 0);
}

static volatile uint32_t demand_faults, demand_bad;

static void on_pf_demand(struct trap_frame* f) {
  uint32_t cr2 = read_cr2();
  if (cr2 >= VDEMAND && cr2 < VDEMAND + DEMAND_PAGES * 4096 && !(f->err & PF_P)) {
    volatile uint32_t* pte = &pt_demand[(cr2 >> 12) & 1023];
    if (*pte & P) ++demand_bad;
    uint32_t frame = alloc_frame();
    /* Fill the page with its own virtual page number, so reads can tell pages apart. */
    for (int i = 0; i < 1024; ++i) ((uint32_t*)frame)[i] = cr2 >> 12;
    *pte = frame | P | RW;
    ++demand_faults;
    return; /* the faulting instruction runs again */
  }
  ktrap_default(f);
}

static int user_read(void* addr) { return PROBE_READ((uint32_t)addr); }
static int user_write(void* addr) { return PROBE_WRITE((uint32_t)addr); }

static void test_2level(void) {
  setup_2level();
  ktest_check("paging-2level-enable", (read_cr0() & CR0_PG) && read_cr3() == (uint32_t)pd,
              "CR0 %#x CR3 %#x", read_cr0(), read_cr3());

  /* A page at VTEST and an alias at VTEST + 4 KiB share one frame. */
  uint32_t frame = alloc_frame();
  pt_test[0] = frame | P | RW;
  pt_test[1] = frame | P | RW;
  volatile uint32_t* v0 = (uint32_t*)VTEST;
  volatile uint32_t* v1 = (uint32_t*)(VTEST + 4096);
  v0[5] = 0xcafef00d;
  uint32_t via_phys = ((uint32_t*)frame)[5], via_alias = v1[5];
  ktest_check("paging-2level-map", via_phys == 0xcafef00d && via_alias == 0xcafef00d,
              "physical reads %#x, alias reads %#x", via_phys, via_alias);

  /* Accessed and dirty bits: a read sets A in the PDE and PTE, a write sets D in the PTE. */
  uint32_t f2 = alloc_frame();
  pt_test[2] = f2 | P | RW;
  pd[VTEST >> 22] &= ~A;
  invlpg(VTEST + 0x2000);
  (void)*(volatile uint32_t*)(VTEST + 0x2000);
  uint32_t after_read = pt_test[2], pde = pd[VTEST >> 22];
  *(volatile uint32_t*)(VTEST + 0x2000) = 1;
  uint32_t after_write = pt_test[2];
  ktest_check("paging-accessed-dirty", (after_read & (A | D)) == A && (pde & A) && (after_write & (A | D)) == (A | D),
              "PTE %#x after a read, %#x after a write, PDE %#x", after_read, after_write, pde);

  /* Not-present page table entry and not-present directory entry. */
  expect_pf("paging-pf-read-not-present", PROBE_READ(VTEST + 0x3004), VTEST + 0x3004, 0);
  expect_pf("paging-pf-write-not-present", PROBE_WRITE(VTEST + 0x3008), VTEST + 0x3008, PF_W);
  expect_pf("paging-pf-pde-not-present", PROBE_READ(VNONE + 0x10), VNONE + 0x10, 0);

  /* INVLPG makes a changed mapping visible. */
  uint32_t f3 = alloc_frame();
  ((uint32_t*)f3)[0] = 0x33333333;
  ((uint32_t*)f2)[0] = 0x22222222;
  (void)*(volatile uint32_t*)(VTEST + 0x2000);
  pt_test[2] = f3 | P | RW;
  invlpg(VTEST + 0x2000);
  uint32_t remapped = *(volatile uint32_t*)(VTEST + 0x2000);
  ktest_check("paging-invlpg", remapped == 0x33333333, "read %#x after remapping", remapped);

  /* CR0.WP: a supervisor write to a read-only page succeeds with WP clear and faults with it
     set. */
  uint32_t f4 = alloc_frame();
  pt_test[4] = f4 | P;
  write_cr0(read_cr0() & ~CR0_WP);
  int v = PROBE_WRITE(VTEST + 0x4000);
  uint32_t written = ((uint32_t*)f4)[0];
  ktest_check("paging-wp-off-write", v == -1 && written == 0x5a5a5a5a, "vector %d, frame holds %#x", v, written);
  write_cr0(read_cr0() | CR0_WP);
  expect_pf("paging-wp-on-write", PROBE_WRITE(VTEST + 0x4010), VTEST + 0x4010, PF_P | PF_W);
  v = PROBE_READ(VTEST + 0x4010);
  ktest_check("paging-wp-on-read", v == -1, "vector %d reading a read-only page", v);

  /* Ring 3: supervisor pages and read-only user pages. */
  uint32_t f5 = alloc_frame();
  pt_test[5] = f5 | P | RW;      /* supervisor */
  pt_test[6] = f5 | P | US;      /* user, read-only */
  pt_test[7] = f5 | P | RW | US; /* user, writable */
  invlpg(VTEST + 0x5000);
  invlpg(VTEST + 0x6000);
  invlpg(VTEST + 0x7000);
  expect_pf("paging-user-read-supervisor", ktest_run_user(user_read, (void*)(VTEST + 0x5000), 0),
            VTEST + 0x5000, PF_P | PF_U);
  expect_pf("paging-user-write-supervisor", ktest_run_user(user_write, (void*)(VTEST + 0x5004), 0),
            VTEST + 0x5004, PF_P | PF_W | PF_U);
  v = ktest_run_user(user_read, (void*)(VTEST + 0x6000), 0);
  ktest_check("paging-user-read-user", v == -1, "vector %d", v);
  expect_pf("paging-user-write-readonly", ktest_run_user(user_write, (void*)(VTEST + 0x6008), 0),
            VTEST + 0x6008, PF_P | PF_W | PF_U);
  expect_pf("paging-user-not-present", ktest_run_user(user_read, (void*)(VTEST + 0x3000), 0),
            VTEST + 0x3000, PF_U);
  v = ktest_run_user(user_write, (void*)(VTEST + 0x700c), 0);
  ktest_check("paging-user-write-user", v == -1 && ((uint32_t*)f5)[3] == 0x5a5a5a5a, "vector %d", v);

  /* Demand paging: the #PF handler maps each page on first touch. */
  ktrap_set(14, on_pf_demand);
  uint32_t sum = 0;
  for (uint32_t i = 0; i < DEMAND_PAGES; ++i) sum += *(volatile uint32_t*)(VDEMAND + i * 4096 + 8);
  for (uint32_t i = 0; i < DEMAND_PAGES; ++i) sum += *(volatile uint32_t*)(VDEMAND + i * 4096 + 12);
  ktrap_set(14, 0);
  uint32_t want = 0;
  for (uint32_t i = 0; i < DEMAND_PAGES; ++i) want += 2 * ((VDEMAND >> 12) + i);
  ktest_check("paging-demand-fault", demand_faults == DEMAND_PAGES && demand_bad == 0 && sum == want,
              "%u faults (%u on present pages), sum %#x, expected %#x", demand_faults, demand_bad, sum, want);

  /* PSE: a 4 MiB page at VBIG over the frames at 8 MiB. */
  if (!(cpuid_edx(1) & (1u << 3))) {
    ktest_skip("paging-pse-4m", "no PSE");
  } else {
    write_cr4(read_cr4() | CR4_PSE);
    pd[VBIG >> 22] = 0x00800000 | P | RW | PS;
    *(volatile uint32_t*)(VBIG + 0x123450) = 0xb16b00b5;
    uint32_t phys = *(volatile uint32_t*)(0x00800000 + 0x123450);
    uint32_t pde_big = pd[VBIG >> 22];
    ktest_check("paging-pse-4m", phys == 0xb16b00b5 && (pde_big & (A | D)) == (A | D),
                "physical reads %#x, PDE %#x", phys, pde_big);
  }
  paging_off();
}

/* ---- PAE ---- */

static void setup_pae(void) {
  for (int t = 0; t < 8; ++t) {
    for (int i = 0; i < 512; ++i) pae_pt_id[t][i] = ((uint64_t)(t * 512 + i) << 12) | P | RW | US;
    pae_pd[0][t] = (uint32_t)pae_pt_id[t] | P | RW | US;
  }
  pae_pd[1][0] = (uint32_t)pae_pt_test | P | RW | US; /* VTEST: 1 GiB */
  pdpt[0] = (uint32_t)pae_pd[0] | P;
  pdpt[1] = (uint32_t)pae_pd[1] | P;
  paging_on((uint32_t)pdpt, CR4_PAE);
}

static void test_pae(void) {
  if (!(cpuid_edx(1) & (1u << 6))) {
    ktest_skip("paging-pae", "no PAE");
    return;
  }
  setup_pae();
  uint32_t frame = alloc_frame();
  pae_pt_test[0] = frame | P | RW;
  pae_pt_test[1] = frame | P | RW;
  *(volatile uint32_t*)(VTEST + 0x20) = 0x0ddba11;
  uint32_t via_phys = ((uint32_t*)frame)[8], via_alias = *(volatile uint32_t*)(VTEST + 0x1020);
  uint64_t pte = pae_pt_test[0];
  ktest_check("paging-pae-4k", via_phys == 0x0ddba11 && via_alias == 0x0ddba11 && (pte & (A | D)) == (A | D),
              "physical reads %#x, alias reads %#x, PTE %#llx", via_phys, via_alias, pte);
  expect_pf("paging-pae-pf-not-present", PROBE_WRITE(VTEST + 0x2ffc), VTEST + 0x2ffc, PF_W);

  /* A 2 MiB page: VTEST + 2 MiB over the frames at 10 MiB. */
  pae_pd[1][1] = 0x00a00000 | P | RW | PS;
  *(volatile uint32_t*)(VTEST + 0x200000 + 0x1abcd0) = 0x2b16;
  uint32_t phys = *(volatile uint32_t*)(0x00a00000 + 0x1abcd0);
  ktest_check("paging-pae-2m", phys == 0x2b16 && (pae_pd[1][1] & (A | D)) == (A | D),
              "physical reads %#x, PDE %#llx", phys, pae_pd[1][1]);

  /* NX: a page holding `jmp *%ecx` can be executed until its NX bit is set. */
  if (!(cpuid_edx(0x80000001u) & (1u << 20))) {
    ktest_skip("paging-nx", "no NX");
    paging_off();
    return;
  }
  uint32_t code = alloc_frame();
  ((uint8_t*)code)[0] = 0xff; /* jmp *%ecx */
  ((uint8_t*)code)[1] = 0xe1;
  pae_pt_test[8] = code | P | RW;
  uint32_t vcode = VTEST + 0x8000;
  /* With EFER.NXE clear, bit 63 is reserved. The translation's P flags were all 1, so the
     error code has P and RSVD (SDM vol. 3 4.7: RSVD can be set only with P); QEMU 7.2 leaves
     P clear here. */
  pae_pt_test[9] = code | P | RW | NX_BIT;
  expect_pf("paging-nx-reserved-without-nxe", PROBE_READ(VTEST + 0x9000), VTEST + 0x9000, PF_P | PF_RSVD);
  wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_NXE);
#define PROBE_EXEC(addr) KTEST_PROBE("movl $1f, %%ecx\n\tjmp *%0\n1:", : : "r"(addr) : "ecx", "memory")
  int v = PROBE_EXEC(vcode);
  ktest_check("paging-nx-clear-executes", v == -1, "vector %d at %#x", v, ktest_last_fault.eip);
  pae_pt_test[8] |= NX_BIT;
  invlpg(vcode);
  v = PROBE_EXEC(vcode);
  ktest_check("paging-nx-fetch-fault", v == 14 && ktest_last_fault.cr2 == vcode && ktest_last_fault.eip == vcode &&
                                           ktest_last_fault.err == (PF_P | PF_ID),
              "vector %d, CR2 %#x, EIP %#x, error %#x", v, ktest_last_fault.cr2, ktest_last_fault.eip,
              ktest_last_fault.err);
  v = PROBE_READ(vcode);
  ktest_check("paging-nx-data-read", v == -1, "vector %d reading an NX page", v);
  /* NX in the directory entry covers the whole table. */
  pae_pt_test[8] &= ~NX_BIT;
  pae_pd[1][0] |= NX_BIT;
  invlpg(vcode);
  v = PROBE_EXEC(vcode);
  ktest_check("paging-nx-in-pde", v == 14 && ktest_last_fault.err == (PF_P | PF_ID), "vector %d, error %#x", v,
              ktest_last_fault.err);
  /* A not-present page reports I/D on a fetch too. */
  pae_pd[1][0] &= ~NX_BIT;
  v = PROBE_EXEC(VTEST + 0xa000);
  ktest_check("paging-nx-fetch-not-present", v == 14 && ktest_last_fault.err == PF_ID, "vector %d, error %#x", v,
              ktest_last_fault.err);
  wrmsr(MSR_EFER, rdmsr(MSR_EFER) & ~(uint64_t)EFER_NXE);
  paging_off();
}

int main(uint32_t magic, uint32_t info) {
  ktest_init(magic, info);
  test_2level();
  test_pae();
  ktest_finish();
}
