/* CMPXCHG8B's read is the locked read of a write: on a page that is not present the #PF
   error code has W set. */
#include "harness.inc"
#include "paging/paging.inc"
//@ expect: exc=14 err=2 cr2=0x402000
  map32_identity
  paging_on
  cmpxchg8b 0x402000
  hlt
