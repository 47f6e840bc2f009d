//@ expect: exc=13 err=0 cr0=0x11 cr3=0x23000
/* Turning paging on with CR4.PAE loads the PDPTEs: a present one with a reserved bit (here
 * bit 1) makes MOV to CR0 fault with #GP(0), and CR0 keeps PG clear. */
#include "harness.inc"
#include "paging.inc"
  map_pae_identity
  movl $(PAE_PD | PG_P | PG_RW), PDPT + 8
  paging_on
  hlt
