//@ expect: eax=0x77
/* Without CR4.PSE the PS bit of a PDE is ignored: it points to a page table. */
#include "harness.inc"
#include "paging.inc"
  movl $0x77, FRAME0 + 0x234
  map32_identity
  movl $(PT1 | PG_P | PG_RW | PG_PS), PD + 8         /* PDE 2 -> PT1 as a table */
  movl $(FRAME0 | PG_P), PT1 + 4                     /* 0x801000 -> 0x30000 */
  paging_on
  mov 0x801234, %eax
  hlt
