//@ expect: exc=14 err=7 cr2=0x402008 cpl=3 m32[0x32004]=0 m32[0x22008]=0x32025
/* A user-mode write to a read-only user page faults (P=1, W/R=1, U/S=1) even with CR0.WP=0;
 * the read before it set A, the failed write did not set D. */
#include "harness.inc"
#include "paging.inc"
  map32_identity 7
  movl $(FRAME0 + 0x2000 | PG_P | PG_US), PT1 + 8
  paging_on
  to_ring3 user
user:
  user_data_segs
  mov 0x402000, %eax
  movl $1, 0x402008
  hlt
