/* The pvlab demo: a PV kernel that narrates, step by step, what the hypervisor does for it.
   It is pvlab's built-in guest (`pvlab run` with no image); with it pvlab prints every
   hypercall it refuses, with the reason, on standard error.

   1. where it runs: ring 1, the hypervisor's place at the top of the address space;
   2. a page-table update, validated and applied;
   3. a hostile update (a writable mapping of the kernel's own page table), refused;
   4. sixteen updates one hypercall at a time, then in one batched hypercall;
   5. an event delivered unmasked (the callback runs at once) and masked (only flags are set,
      the kernel polls them);
   6. a timer tick waking the blocked vcpu;
   7. a ring-3 program making a system call through the virtual trap table;
   8. the hypervisor's area, which the kernel can read in part but neither write nor map;
   then it powers the domain off. Every step checks what it shows, so the demo is a test too:
   a wrong answer prints FAIL and crashes the domain instead of powering it off. */
#include "events_lib.h"
#include "mm_lib.h"
#include "traps_util.h"

void ev_dispatch(uint32_t v);   /* events_lib.c: the callback's walk of the pending words */

static uint8_t scratch[16][4096] __attribute__((aligned(4096)));
static unsigned step_no;
static int failures;

static void step(const char* title) { kprintf("\n[%u] %s\n", ++step_no, title); }

static void expect(int ok, const char* what) {
  if (!ok) {
    ++failures;
    kprintf("FAIL %s\n", what);
  }
}

static uint64_t tsc(void) { return ev_rdtsc(); }

static void where_we_run(void) {
  step("Where this kernel runs");
  unsigned cs = pv_boot_regs.cs & 0xffff;
  xen_platform_parameters_t pp;
  int rc = HYPERVISOR_xen_version(XENVER_platform_parameters, &pp);
  int ver = HYPERVISOR_xen_version(XENVER_version, 0);
  kprintf("    The hypervisor answers as Xen %d.%d. This kernel entered with CS=%#x: ring %u.\n",
          ver >> 16, ver & 0xffff, cs, cs & 3);
  kprintf("    Everything from %#lx up belongs to the hypervisor, in every address space,\n"
          "    so entering it (a hypercall is `int $0x82`) switches no page tables and\n"
          "    flushes no TLB.\n", (unsigned long)pp.virt_start);
  kprintf("    start_info: %lu pages of memory, page tables at %#lx (%lu frames).\n",
          pv_start_info->nr_pages, pv_start_info->pt_base, pv_start_info->nr_pt_frames);
  expect((cs & 3) == 1 && rc == 0 && pp.virt_start == HYPERVISOR_VIRT_START, "ring 1 and the hypervisor's start");
}

static void validated_update(void) {
  step("A page-table update, validated");
  void* va = scratch[0];
  uint64_t before = pv_lookup((uint32_t)(uintptr_t)va);
  kprintf("    The kernel owns its page tables but maps them read-only, so it asks the\n"
          "    hypervisor: mmu_update(entry for %p = frame %#x, read-only).\n", va, mm_mfn(va));
  int rc = mm_update1(mm_l1e_maddr((uint32_t)(uintptr_t)va), mm_pte(mm_mfn(va), PV_PTE_P | PV_PTE_A));
  uint64_t after = pv_lookup((uint32_t)(uintptr_t)va);
  kprintf("    Answer %d. The entry went from %#llx to %#llx (RW bit cleared).\n", rc,
          (unsigned long long)before, (unsigned long long)after);
  HYPERVISOR_mmuext_op(&(struct mmuext_op){.cmd = MMUEXT_INVLPG_LOCAL, .arg1.linear_addr = (unsigned long)va}, 1, 0,
                       DOMID_SELF);
  expect(rc == 0 && (before & PV_PTE_RW) && !(after & PV_PTE_RW), "the update was applied");
  mm_writable(va);
}

static void hostile_update(void) {
  step("A hostile update, refused");
  uint32_t va = (uint32_t)(uintptr_t)scratch[1];
  uint32_t l1 = mm_l1_mfn(va);
  kprintf("    Now the kernel tries to map its own L1 page table (frame %#x) writable.\n"
          "    If that worked it could write any mapping it liked, the hypervisor's too.\n", l1);
  int rc = mm_update1(mm_l1e_maddr(va), mm_pte(l1, PV_PTE_P | PV_PTE_RW | PV_PTE_A));
  kprintf("    Answer %d: refused, and nothing changed. pvlab printed the reason on standard\n"
          "    error (`pvlab run --log hcall` shows every hypercall).\n", rc);
  uint64_t now = pv_lookup(va);
  expect(rc < 0 && (uint32_t)((now & PV_PTE_FRAME) >> PV_PAGE_SHIFT) == mm_mfn(scratch[1]),
         "a writable mapping of an L1 is refused");
}

static void batched_updates(void) {
  step("Sixteen updates: one hypercall each, then one batch");
  mmu_update_t u[16];
  for (int i = 0; i < 16; ++i) {
    uint32_t va = (uint32_t)(uintptr_t)scratch[i];
    u[i].ptr = mm_l1e_maddr(va);
    u[i].val = mm_pte(mm_mfn(scratch[i]), PV_PTE_P | PV_PTE_RW | PV_PTE_A | PV_PTE_D);
  }
  uint64_t t0 = tsc();
  int bad = 0;
  for (int i = 0; i < 16; ++i) bad |= HYPERVISOR_mmu_update(&u[i], 1, 0, DOMID_SELF);
  uint64_t one_by_one = tsc() - t0;
  unsigned done = 0;
  t0 = tsc();
  bad |= HYPERVISOR_mmu_update(u, 16, &done, DOMID_SELF);
  uint64_t batched = tsc() - t0;
  kprintf("    16 hypercalls: %llu cycles. One mmu_update with 16 entries: %llu cycles, %u done.\n"
          "    Guests batch updates (and whole multicalls) to pay for entering the\n"
          "    hypervisor once.\n", (unsigned long long)one_by_one, (unsigned long long)batched, done);
  expect(!bad && done == 16, "both ways succeeded");
}

static void events(void) {
  step("Events: unmasked, then masked");
  evtchn_port_t port;
  int rc = ev_init();
  rc |= ev_bind_ipi(0, &port);
  ev_mask(0, 0);
  uint32_t before = ev_port_count[port];
  kprintf("    The kernel binds event channel %u to itself and sends it with events unmasked.\n", port);
  ev_send(port);
  uint32_t seen = ev_port_count[port] - before;
  kprintf("    The callback ran %u time(s) before the send hypercall returned: the hypervisor\n"
          "    bounced straight into it, as an interrupt would.\n", seen);
  expect(rc == 0 && seen == 1, "the unmasked event ran the callback at once");

  ev_mask(0, 1);
  before = ev_port_count[port];
  ev_send(port);
  volatile struct vcpu_info* vi = ev_vcpu_info(0);
  int pending = ev_pending(port), flag = vi->evtchn_upcall_pending;
  kprintf("    With events masked, a send only sets flags: callback runs %u, port pending %d,\n"
          "    evtchn_upcall_pending %d.\n", ev_port_count[port] - before, pending, flag);
  expect(ev_port_count[port] == before && pending && flag, "the masked event only set flags");
  ev_dispatch(0);   /* poll: walk the pending words as the callback would, still masked */
  kprintf("    The kernel polls when it likes: it walked evtchn_pending_sel and the pending\n"
          "    words itself and found port %u (%u event), without any callback.\n", port,
          ev_port_count[port] - before);
  expect(ev_port_count[port] == before + 1 && !ev_pending(port), "polling found the event");
  ev_close(port);
}

static void timer(void) {
  step("A timer tick");
  evtchn_port_t port;
  int rc = ev_bind_virq(VIRQ_TIMER, 0, &port);
  uint64_t t0 = ev_system_time(0);
  uint32_t before = ev_port_count[port];
  rc |= ev_timer_in(2000000);
  ev_mask(0, 0);
  rc |= ev_block();
  uint64_t slept = ev_system_time(0) - t0;
  ev_mask(0, 1);
  kprintf("    set_timer_op(now + 2 ms), then SCHEDOP_block: the vcpu slept %llu us of system\n"
          "    time until VIRQ_TIMER (port %u) arrived and its callback ran.\n",
          (unsigned long long)kdivu64(slept, 1000), port);
  expect(rc == 0 && ev_port_count[port] == before + 1 && slept >= 2000000, "the timer woke the vcpu");
  ev_close(port);
}

static void syscall_handler(struct trap_frame* f) {
  if (f->eax == 0) user_exit(f->ebx);
  f->eax = f->ebx + 1;
}

static void ring3(void) {
  step("A ring-3 program makes a system call");
  int rc = user_pages_init();
  ktrap_set(0x80, syscall_handler);
  rc |= pv_trap_route(0x80, 3, 0);
  uint32_t r = run_user(0, 41);
  kprintf("    The kernel registered vector 0x80 with DPL 3 in its virtual trap table and the\n"
          "    stack for ring-3 traps (stack_switch). The program sent 41 with `int $0x80`;\n"
          "    the hypervisor bounced the trap to the kernel, which answered %u and returned\n"
          "    with the iret hypercall.\n", r);
  expect(rc == 0 && r == 42, "the system call round trip");
}

static void hypervisor_area(void) {
  step("The hypervisor's area");
  const volatile uint32_t* m2p = (const volatile uint32_t*)HYPERVISOR_VIRT_START;
  uint32_t mfn = mm_mfn(scratch[0]);
  kprintf("    The machine-to-physical table at %p is readable: M2P[%#x] = %#x.\n", (void*)m2p, mfn,
          m2p[mfn]);
  cap_route(13, 0, 1);
  cap_route(14, 0, 1);
  int w = CAPTURE("movl $0, (%0)", : : "r"(&m2p[mfn]));
  uint32_t wvec = cap.vec, werr = cap.err;
  int r = CAPTURE("movl (%0), %%eax", : : "r"(0xF6800000u) : "eax");
  uint32_t rvec = cap.vec;
  int rc = HYPERVISOR_update_va_mapping(0xF6800000u, mm_pte(mfn, PV_PTE_P | PV_PTE_RW | PV_PTE_A), UVMF_INVLPG);
  kprintf("    Writing it: vector %u (a page fault, error %#x: the mapping is read-only).\n"
          "    Reading at 0xF6800000 (the hypervisor's GDT area): vector %u, beyond the limit of\n"
          "    every segment the kernel can load. Mapping a page there: answer %d.\n",
          wvec, werr, rvec, rc);
  expect(w == 1 && wvec == 14 && r == 1 && rvec == 13 && rc == -XEN_EINVAL, "the hypervisor's area is out of reach");
}

int main(void) {
  kprintf("pvlab demo: a paravirtualized kernel and the hypervisor under it\n");
  pv_traps_init();
  where_we_run();
  validated_update();
  hostile_update();
  batched_updates();
  events();
  timer();
  ring3();
  hypervisor_area();
  if (failures) {
    kprintf("\n%d step(s) did not go as described.\n", failures);
    return 1;
  }
  kprintf("\nAll done: the kernel asks the hypervisor to power the domain off.\n");
  return 0;
}
