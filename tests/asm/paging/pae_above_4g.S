//@ expect: exc=none eax=0xffffffff
/* A PTE may point above 4 GiB (bits 32..35): there is no RAM there, reads see an open bus. */
#include "harness.inc"
#include "paging.inc"
  map_pae_identity
  movl $(0x00005000 | PG_P | PG_RW), PAE_PT1
  movl $0x8, PAE_PT1 + 4                             /* 0x8_0000_5000 */
  paging_on
  mov 0x200000, %eax
  hlt
