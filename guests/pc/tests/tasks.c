/* Hardware task switches: JMP and CALL to a TSS, CALL through a task gate in the GDT, INT n
   and exceptions (with and without an error code) through task gates in the IDT, the back
   link, NT, busy bits, IRET back to the caller, the state saved in the outgoing TSS, CR0.TS,
   and #GP for a busy task. The kernel's own task is ktest's TSS (KSEL_TSS). */
#include "ktest.h"

#define SEL_B 0x30      /* entered by JMP, leaves by JMP */
#define SEL_C 0x38      /* entered by CALL, leaves by IRET */
#define SEL_D 0x40      /* INT 0x40 through a task gate */
#define SEL_E 0x48      /* #UD through a task gate */
#define SEL_F 0x50      /* #GP (with an error code) through a task gate */
#define SEL_GATE_C 0x58 /* task gate to C */
#define VEC_TASK 0x40

struct task {
  struct tss32 tss;
  uint8_t stack[4096] __attribute__((aligned(16)));
};
static struct task tb, tc, td, te, tf;

static int desc_busy(uint16_t sel) { return (int)((kgdt_get(sel >> 3) >> 40) & 0xf) == 0xb; }

static void init_task(struct task* t, uint16_t sel, void (*entry)(void)) {
  struct tss32 z = {0};
  t->tss = z;
  t->tss.eip = (uint32_t)entry;
  t->tss.esp = (uint32_t)(t->stack + sizeof t->stack);
  t->tss.eflags = 0x2;
  t->tss.cs = KSEL_KCODE;
  t->tss.ss = t->tss.ds = t->tss.es = t->tss.fs = t->tss.gs = KSEL_KDATA;
  t->tss.cr3 = read_cr3();
  t->tss.iomap = sizeof(struct tss32);
  kgdt_set(sel >> 3, (uint32_t)&t->tss, sizeof(struct tss32) - 1, KD_TSS, 0);
}

/* What each task saw while it ran. */
struct seen {
  uint32_t runs, tr, eflags, cr0, link, a_esi, a_busy, self_busy;
};
static volatile struct seen sb, sc, sd, se;
volatile uint32_t f_runs, f_err; /* used by task_f's assembly */

static void look(volatile struct seen* s, struct task* t) {
  s->runs++;
  s->tr = read_tr();
  s->eflags = read_eflags();
  s->cr0 = read_cr0();
  s->link = t->tss.link;
  s->a_esi = ktest_tss.esi;
  s->a_busy = (uint32_t)desc_busy(KSEL_TSS);
  s->self_busy = (uint32_t)desc_busy((uint16_t)s->tr);
  __asm__ volatile("clts");
}

static void task_b(void) {
  for (;;) {
    look(&sb, &tb);
    __asm__ volatile("ljmp $0x28, $0" ::: "memory");
  }
}

static void task_c(void) {
  for (;;) {
    look(&sc, &tc);
    __asm__ volatile("iretl" ::: "memory");
  }
}

static void task_d(void) {
  for (;;) {
    look(&sd, &td);
    __asm__ volatile("iretl" ::: "memory");
  }
}

/* #UD: step the interrupted task over its 2-byte UD2. */
static void task_e(void) {
  for (;;) {
    look(&se, &te);
    ktest_tss.eip += 2;
    __asm__ volatile("iretl" ::: "memory");
  }
}

/* #GP: the error code is on this task's stack; the faulting MOV to DS is 2 bytes. */
void task_f(void);
__asm__(".text\n"
        "task_f:\n"
        "1: popl f_err\n"
        "  incl f_runs\n"
        "  addl $2, ktest_tssb+32\n" /* the interrupted task's saved EIP */
        "  clts\n"
        "  iretl\n"
        "  jmp 1b\n");

int main(uint32_t magic, uint32_t info) {
  ktest_init(magic, info);
  init_task(&tb, SEL_B, task_b);
  init_task(&tc, SEL_C, task_c);
  init_task(&td, SEL_D, task_d);
  init_task(&te, SEL_E, task_e);
  init_task(&tf, SEL_F, task_f);
  kgdt_gate(SEL_GATE_C >> 3, SEL_C, 0, KG_TASK, 0);

  /* JMP to B and B's JMP back. */
  __asm__ volatile("movl $0x5151, %%esi\n\tljmp $0x30, $0" : : : "esi", "memory");
  ktest_check("task-jmp", sb.runs == 1 && sb.tr == SEL_B && read_tr() == KSEL_TSS,
              "B ran %u times with TR %#x; TR now %#x", sb.runs, sb.tr, read_tr());
  ktest_check("task-jmp-busy-nt", !sb.a_busy && sb.self_busy && !(sb.eflags & EFL_NT) && !desc_busy(SEL_B) &&
                                      desc_busy(KSEL_TSS),
              "in B: A busy %u, B busy %u, EFLAGS %#x; back: B busy %d, A busy %d", sb.a_busy, sb.self_busy,
              sb.eflags, desc_busy(SEL_B), desc_busy(KSEL_TSS));
  ktest_check("task-state-saved", sb.a_esi == 0x5151 && tb.tss.eip > (uint32_t)task_b,
              "A's saved ESI %#x, B's saved EIP %#x", sb.a_esi, tb.tss.eip);
  ktest_check("task-switch-sets-ts", (sb.cr0 & CR0_TS) != 0, "CR0 in B %#x", sb.cr0);
  __asm__ volatile("ljmp $0x30, $0" ::: "memory");
  ktest_check("task-jmp-resume", sb.runs == 2, "B ran %u times", sb.runs);

  /* CALL to C: nested, NT and the back link; C's IRET returns. */
  __asm__ volatile("lcall $0x38, $0" ::: "memory");
  ktest_check("task-call", sc.runs == 1 && sc.tr == SEL_C && (sc.eflags & EFL_NT) && sc.link == KSEL_TSS,
              "C ran %u times, TR %#x EFLAGS %#x link %#x", sc.runs, sc.tr, sc.eflags, sc.link);
  ktest_check("task-call-busy", sc.a_busy && sc.self_busy, "in C: A busy %u, C busy %u", sc.a_busy, sc.self_busy);
  ktest_check("task-iret-back", read_tr() == KSEL_TSS && !desc_busy(SEL_C) && !(read_eflags() & EFL_NT) &&
                                    !(tc.tss.eflags & EFL_NT),
              "TR %#x, C busy %d, EFLAGS %#x, C's saved EFLAGS %#x", read_tr(), desc_busy(SEL_C), read_eflags(),
              tc.tss.eflags);

  /* CALL through a task gate in the GDT. */
  __asm__ volatile("lcall $0x58, $0" ::: "memory");
  ktest_check("task-gate-call", sc.runs == 2 && sc.tr == SEL_C && sc.link == KSEL_TSS && read_tr() == KSEL_TSS,
              "C ran %u times, TR %#x link %#x; TR now %#x", sc.runs, sc.tr, sc.link, read_tr());

  /* A busy task cannot be entered: #GP with its selector. */
  int v = KTEST_PROBE("lcall $0x28, $0", : : : "memory");
  ktest_check("task-call-busy-gp", v == 13 && ktest_last_fault.err == KSEL_TSS, "vector %d error %#x", v,
              ktest_last_fault.err);
  v = KTEST_PROBE("ljmp $0x28, $0", : : : "memory");
  ktest_check("task-jmp-busy-gp", v == 13 && ktest_last_fault.err == KSEL_TSS, "vector %d error %#x", v,
              ktest_last_fault.err);

  /* INT n through a task gate. */
  kidt_gate(VEC_TASK, 0, SEL_D, KG_TASK);
  __asm__ volatile("int $0x40" ::: "memory");
  ktest_check("task-gate-int", sd.runs == 1 && sd.tr == SEL_D && (sd.eflags & EFL_NT) && sd.link == KSEL_TSS &&
                                   read_tr() == KSEL_TSS && !desc_busy(SEL_D),
              "D ran %u times, TR %#x EFLAGS %#x link %#x; TR now %#x", sd.runs, sd.tr, sd.eflags, sd.link,
              read_tr());

  /* #UD through a task gate: the handler task steps over the UD2. */
  kidt_gate(6, 0, SEL_E, KG_TASK);
  __asm__ volatile("ud2" ::: "memory");
  kidt_stub(6, KG_INT);
  ktest_check("task-gate-exception", se.runs == 1 && se.tr == SEL_E && se.link == KSEL_TSS,
              "E ran %u times, TR %#x link %#x", se.runs, se.tr, se.link);

  /* #GP through a task gate: the error code lands on the handler task's stack. */
  kidt_gate(13, 0, SEL_F, KG_TASK);
  __asm__ volatile("movw $0xfff8, %%ax\n\tmovw %%ax, %%ds" : : : "eax", "memory");
  kidt_stub(13, KG_INT);
  ktest_check("task-gate-error-code", f_runs == 1 && f_err == 0xfff8 && read_tr() == KSEL_TSS,
              "F ran %u times, error code %#x", f_runs, f_err);

  ktest_finish();
}
