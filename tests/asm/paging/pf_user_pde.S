//@ expect: exc=14 err=7 cr2=0x401000 cpl=3
/* U/S and R/W combine over both levels: a user PTE under a supervisor PDE is out of reach of
 * user mode. */
#include "harness.inc"
#include "paging.inc"
  map32_identity 7
  movl $(PT1 | PG_P | PG_RW), PD + 4                        /* supervisor PDE */
  movl $(FRAME0 + 0x1000 | PG_P | PG_RW | PG_US), PT1 + 4
  paging_on
  to_ring3 user
user:
  user_data_segs
  movl $1, 0x401000
  hlt
