//@ expect: exc=14 err=0xb cr2=0x200444 m32[0x26000]=0x30003 m32[0x24008]=0x26027
/* A PTE with a physical-address bit above MAXPHYADDR (bit 40): RSVD=1, P=1, W/R=1; the PTE
 * gets no A flag, the PDE above it does. */
#include "harness.inc"
#include "paging.inc"
  map_pae_identity
  movl $(FRAME0 | PG_P | PG_RW), PAE_PT1
  movl $0x100, PAE_PT1 + 4
  paging_on
  movl $1, 0x200444
  hlt
