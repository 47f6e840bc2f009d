//@ expect: exc=14 err=0x15 cr2=0x201000 cpl=3
/* XD in the PDE applies to every page under it; user fetch: P=1, U/S=1, I/D=1. */
#include "harness.inc"
#include "paging.inc"
  movl $0xf4, FRAME0 + 0x1000
  enable_nx
  map_pae_identity 7
  movl $0x80000000, PAE_PD + 12                      /* XD in PDE 1 */
  movl $(FRAME0 + 0x1000 | PG_P | PG_RW | PG_US), PAE_PT1 + 8
  paging_on
  to_ring3 user
user:
  user_data_segs
  mov 0x201000, %eax
  mov $0x201000, %ebx
  jmp *%ebx
