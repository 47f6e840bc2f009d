/* The PV runtime's virtual trap table and trap dispatcher (see pv.h). Traps reach
   pv_trap_dispatch through pvtrap.S with ktest.h's struct trap_frame; a handler set with
   ktrap_set takes its vector, otherwise ktrap_default recovers an armed KTEST_PROBE or
   reports the trap as an unexpected-trap FAIL and finishes. */
#include "pv.h"

extern char pv_trap_stubs[];

static trap_handler handlers[256];
struct ktest_fault ktest_last_fault = {-1, 0, 0, 0, 0};
volatile uint32_t ktest_resume;

uint32_t ktrap_stub(int vec) { return (uint32_t)(uintptr_t)pv_trap_stubs + (uint32_t)(vec & 255) * 16; }

void ktrap_set(int vec, trap_handler h) { handlers[vec & 255] = h; }

struct trap_info pv_trap_entry(int vec, int dpl, int mask_events) {
  struct trap_info t = {(uint8_t)vec, 0, FLAT_KERNEL_CS, ktrap_stub(vec)};
  TI_SET_DPL(&t, dpl & 3);
  TI_SET_IF(&t, mask_events);
  return t;
}

int pv_trap_route(int vec, int dpl, int mask_events) {
  struct trap_info table[2] = {pv_trap_entry(vec, dpl, mask_events), {0, 0, 0, 0}};
  return HYPERVISOR_set_trap_table(table);
}

int pv_traps_init(void) {
  struct trap_info table[33];
  for (int v = 0; v < 32; ++v) table[v] = pv_trap_entry(v, v == 3 || v == 4 ? 3 : 0, 1);
  table[32] = (struct trap_info){0, 0, 0, 0};
  return HYPERVISOR_set_trap_table(table);
}

static uint32_t fault_cr2(uint32_t vec) {
  return vec == 14 && pv_shared_info ? (uint32_t)pv_shared_info->vcpu_info[0].arch.cr2 : 0;
}

void pv_trap_dispatch(struct trap_frame* f);
void pv_trap_dispatch(struct trap_frame* f) {
  uint32_t vec = f->vec & 0xff;
  if (handlers[vec]) handlers[vec](f);
  else ktrap_default(f);
}

void ktrap_default(struct trap_frame* f) {
  uint32_t vec = f->vec & 0xff;
  if (vec < 32 && ktest_resume) {
    ktest_last_fault.vec = (int)vec;
    ktest_last_fault.err = f->err;
    ktest_last_fault.eip = f->eip;
    ktest_last_fault.cs = f->cs & 0xffff;
    ktest_last_fault.cr2 = fault_cr2(vec);
    f->eip = ktest_resume;
    ktest_resume = 0;
    return;
  }
  static int reporting;
  if (reporting) { /* the report itself trapped */
    kputs("\nFAIL unexpected-trap: another trap while reporting one\n");
    ktest_exit(0);
  }
  reporting = 1;
  ktest_fail("unexpected-trap", "vector %u error %#x at %04x:%08x eflags %#x cr2 %#x", vec, f->err,
             f->cs & 0xffff, f->eip, f->eflags, fault_cr2(vec));
  ktest_finish();
}
