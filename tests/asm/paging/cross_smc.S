//@ expect: ebx=0x12345678 eax=0x99345678
/* An instruction crossing into a second page runs; patching its bytes on the second page
 * (through an alias) is seen the next time it runs. */
#include "harness.inc"
#include "paging.inc"
  map32_identity
  movl $(0x12000 | PG_P | PG_RW), PT1                /* alias of the second page */
  paging_on
  call split
  mov %eax, %ebx
  movb $0x99, 0x400002
  call split
  hlt
  .org 0x1ffe
split:
  mov $0x12345678, %eax                              /* b8 78 | 56 34 12 */
  ret
