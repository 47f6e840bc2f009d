//@ expect: exc=none eip=0x12000 eax=7 ebx=7
/* Instructions ending exactly at the end of a page whose successor is not present run without
 * a fault: the decoder gets only the bytes it needs. */
#include "harness.inc"
#include "paging.inc"
  map32_identity
  movl $0, PT0 + 4 * 0x12
  paging_on
  mov $7, %eax
  jmp tail
  .org 0x1ffc
tail:
  mov %eax, %ebx                                     /* 0x11ffc, 2 bytes */
  nop                                                /* 0x11ffe */
  hlt                                                /* 0x11fff */
