//@ expect: exc=none ecx=3
/* A two-byte jump as the last instruction of a page whose successor is not present. */
#include "harness.inc"
#include "paging.inc"
  map32_identity
  movl $0, PT0 + 4 * 0x12
  paging_on
  xor %ecx, %ecx
  mov $back, %edx
  jmp tail
back:
  inc %ecx
  cmp $3, %ecx
  jne tail
  hlt
  .org 0x1ffe
tail:
  jmp *%edx                                          /* ff e2: 0x11ffe..0x11fff */
