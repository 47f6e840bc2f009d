//@ expect: exc=14 err=0 cr2=0x12000 eip=0x11ffd ebx=2 eax=0
/* The instructions before a page-crossing one in the same run complete; the crossing one
 * faults on its second, not-present page with EIP at its first byte. */
#include "harness.inc"
#include "paging.inc"
  map32_identity
  movl $0, PT0 + 4 * 0x12
  paging_on
  xor %eax, %eax
  xor %ebx, %ebx
  jmp tail
  .org 0x1ffb
tail:
  inc %ebx                                           /* 0x11ffb */
  inc %ebx                                           /* 0x11ffc */
  mov $0x12345678, %eax                              /* 0x11ffd: b8 78 56 | 34 12 */
  hlt
