//@ expect: exc=1 eip=0x1002f dr6=0xffff0ff2 m32[0x20004]=0x12345678 ebx=0x5555
/* A data breakpoint on writes (DR1, R/W=01, LEN=11: 4 bytes at 0x20004) traps after the
   writing instruction; reads of the range and writes beside it do not hit. */
#include "harness.inc"
  mov $SCRATCH+4, %eax
  mov %eax, %dr1
  mov $0x00d00004, %eax            /* L1, R/W1=01, LEN1=11 */
  mov %eax, %dr7
  mov SCRATCH+4, %ebx              /* read: no hit */
  movl $0x5555, %ebx
  movl $1, SCRATCH                 /* beside the range: no hit */
  movl $0x12345678, SCRATCH+4      /* hit */
  hlt
