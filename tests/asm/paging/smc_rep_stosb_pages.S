//@ expect: ebx=0 ecx=0 edx=0x1234
/* REP STOSB through an alias writes NOPs over code spanning two physical pages, both of
 * which hold decoded blocks that ran before. */
#include "harness.inc"
#include "paging.inc"
#define ALIAS(x) ((x) - 0x10000 + 0x400000)
  map32_identity
  movl $(0x11000 | PG_P | PG_RW), PT1 + 4
  movl $(0x12000 | PG_P | PG_RW), PT1 + 8
  paging_on
  mov $0x1234, %edx
  call body                                          /* decode and run it once */
  xor %ebx, %ebx
  mov $ALIAS(body), %edi
  mov $0x90, %eax
  mov $(body_end - body), %ecx
  rep stosb
  call body
  hlt
  .org 0x1ffa
body:
  inc %ebx
  inc %ebx
  inc %ebx
  inc %ebx
  inc %ebx
  inc %ebx
  inc %ebx
  inc %ebx
  inc %ebx
  inc %ebx
body_end:
  ret
