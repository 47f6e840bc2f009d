//@ expect: exc=1 eip=0x10023 dr6=0xffff4ff1
/* A data breakpoint and a single step after the same instruction give one #DB reporting
   both (B0 and BS). */
#include "harness.inc"
  mov $SCRATCH, %eax
  mov %eax, %dr0
  mov $0x000d0001, %eax            /* L0, R/W0=01, LEN0=11 */
  mov %eax, %dr7
  pushf
  orl $0x100, (%esp)
  popf
  movl $1, SCRATCH                 /* 0x10019: runs with TF=1 and hits DR0 */
  hlt
