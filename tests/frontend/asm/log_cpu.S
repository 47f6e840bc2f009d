/* --log cpu: CR3, CR4 and CR0 writes turning paging on, CR3 written again, LTR, and a task
   switch by a far jump to a TSS; the new task halts with IF=0. Also --log int: INT 0x30. */
#include "flat.inc"
#define PD 0x20000
.code32
start:
  FLAT_SETUP
  SET_GATE 0x30, on_int
  int $0x30
  movl $0x00000083, PD
  mov $PD, %eax
  mov %eax, %cr3
  mov %cr4, %eax
  or $0x10, %eax
  mov %eax, %cr4
  mov %cr0, %eax
  or $0x80000000, %eax
  mov %eax, %cr0
  mov $PD, %eax
  mov %eax, %cr3
  mov $tss1, %eax
  SET_DESC_BASE TSS1_SEL
  mov $tss2, %eax
  SET_DESC_BASE TSS2_SEL
  movl $PD, tss2 + 28            /* CR3 */
  movl $task2, tss2 + 32         /* EIP */
  movl $2, tss2 + 36             /* EFLAGS */
  movl $STACK_TOP - 0x1000, tss2 + 56   /* ESP */
  movl $DATA_SEL, tss2 + 72      /* ES */
  movl $CODE_SEL, tss2 + 76      /* CS */
  movl $DATA_SEL, tss2 + 80      /* SS */
  movl $DATA_SEL, tss2 + 84      /* DS */
  movl $DATA_SEL, tss2 + 88      /* FS */
  movl $DATA_SEL, tss2 + 92      /* GS */
  mov $TSS1_SEL, %ax
  ltr %ax
  ljmp $TSS2_SEL, $0
task2:
  mov $0x1234, %dx
  in %dx, %al                    /* a port no device answers (--log io) */
  hlt
on_int:
  iret
  .p2align 4
tss1:
  .fill 104, 1, 0
tss2:
  .fill 104, 1, 0
  FLAT_TABLES
