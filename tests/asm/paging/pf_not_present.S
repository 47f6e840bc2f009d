//@ expect: exc=14 err=0 cr2=0x402abc eip=0x10046 eax=0x1234 m32[0x20008]=0
/* A read through a not-present PTE: #PF with P=0, W/R=0, U/S=0 and CR2 = the address.
 * A not-present PDE (PDE 2, for 0x800000) is checked by the second test. */
#include "harness.inc"
#include "paging.inc"
  map32_identity
  paging_on
  mov $0x1234, %eax
  mov 0x402abc, %eax
  hlt
