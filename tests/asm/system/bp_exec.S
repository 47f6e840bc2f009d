//@ expect: exc=1 eip=0x10020 dr6=0xffff0ff4 ecx=1 edx=0
/* An instruction breakpoint (DR2, R/W=00, LEN=00, L2) is a fault before the instruction runs:
   EIP at the instruction, DR6.B2 set. */
#include "harness.inc"
  mov $target, %eax
  mov %eax, %dr2
  mov $0x00000010, %eax            /* L2 */
  mov %eax, %dr7
  mov $1, %ecx
  xor %edx, %edx
  .org 0x20, 0x90
target:
  mov $1, %edx
  hlt
