//@ expect: exc=14 err=2 cr2=0x876543 m32[0x20008]=0x00012000
/* A write through a not-present PDE (only P clear): #PF with P=0 and W/R=1; the PDE is not
 * touched. */
#include "harness.inc"
#include "paging.inc"
  map32_identity
  movl $0x00012000, PD + 8
  paging_on
  movl $1, 0x876543
  hlt
