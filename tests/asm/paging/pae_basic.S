//@ expect: eax=0x600d ebx=0x1234abcd m32[0x26000]=0x30063 m32[0x26004]=0 m32[0x24008]=0x26027
//@ expect: m32[0x24010]=0x6000e3 m32[0x24014]=0 m32[0x600124]=0x1234abcd m32[0x23000]=0x24001
/* PAE paging: a 4 KiB page and a 2 MiB page (PDE 2: 0x400000 -> 0x600000). Writes set A and D
 * in the leaf, the PDE above a table gets A only, the PDPTE is a register and is never
 * written. */
#include "harness.inc"
#include "paging.inc"
  movl $0x600d, FRAME0 + 0x10
  map_pae_identity
  movl $(FRAME0 | PG_P | PG_RW), PAE_PT1            /* 0x200000 -> 0x30000 */
  movl $(0x600000 | PG_P | PG_RW | PG_PS), PAE_PD + 16
  paging_on
  mov 0x200010, %eax
  movl $0x1234abcd, 0x400124
  mov 0x400124, %ebx
  incl 0x200000
  decl 0x200000
  hlt
