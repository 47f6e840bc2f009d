//@ expect: exc=14 err=0 cr2=0x402000 eax=0x99
/* A read crossing into a not-present page: CR2 = the first byte of the missing page, and the
 * destination register is unchanged. */
#include "harness.inc"
#include "paging.inc"
  map32_identity
  movl $(FRAME0 + 0x1000 | PG_P | PG_RW), PT1 + 4
  paging_on
  mov $0x99, %eax
  mov 0x401fff, %eax
  hlt
