//@ expect: exc=14 err=5 cr2=0x401000 cpl=3 eax=0x2345
/* A user-mode read of a supervisor page: P=1, W/R=0, U/S=1. A user read of a user page works. */
#include "harness.inc"
#include "paging.inc"
  movl $0x2345, FRAME0 + 0x2000
  map32_identity 7
  movl $(FRAME0 + 0x1000 | PG_P | PG_RW), PT1 + 4            /* supervisor */
  movl $(FRAME0 + 0x2000 | PG_P | PG_RW | PG_US), PT1 + 8    /* user */
  paging_on
  to_ring3 user
user:
  user_data_segs
  mov 0x402000, %eax
  mov 0x401000, %eax
  hlt
