/* CMPXCHG8B on a read-only page faults even when the comparison fails. */
#include "harness.inc"
#include "paging/paging.inc"
//@ expect: exc=14 err=3 cr2=0x401000 eax=0 edx=0 m32[0x30000]=5
  map32_identity
  movl $(FRAME0 | PG_P), PT1 + 4
  paging_on
  set_cr0 CR0_WP
  movl $5, FRAME0
  xor %eax, %eax
  xor %edx, %edx
  cmpxchg8b 0x401000
  hlt
