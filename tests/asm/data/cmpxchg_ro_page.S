/* CMPXCHG whose comparison fails on a read-only page (CR0.WP=1) still faults with a write
   #PF: a P6 writes the old value back. EAX keeps its value. */
#include "harness.inc"
#include "paging/paging.inc"
//@ expect: exc=14 err=3 cr2=0x401000 eax=3 m32[0x30000]=5
  map32_identity
  movl $(FRAME0 | PG_P), PT1 + 4                      /* 0x401000 read-only */
  paging_on
  set_cr0 CR0_WP
  movl $5, FRAME0
  mov $3, %eax
  mov $9, %ebx
  cmpxchg %ebx, 0x401000
  hlt
