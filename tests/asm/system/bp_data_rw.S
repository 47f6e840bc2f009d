//@ expect: exc=1 eip=0x10016 dr6=0xffff0ff8 ebx=0
/* R/W=11 breaks on reads too: a 2-byte breakpoint (DR3, LEN=01) at 0x20002 is hit by a
   4-byte read of 0x20000 that overlaps it. */
#include "harness.inc"
  mov $SCRATCH+2, %eax
  mov %eax, %dr3
  mov $0x70000040, %eax            /* L3, R/W3=11, LEN3=01 */
  mov %eax, %dr7
  mov SCRATCH, %ebx
  nop
  hlt
