//@ expect: eax=0x22 ebx=0x11 esi=0x11
/* The PDPTEs are registers: changing the PDPT in memory has no effect until they are
 * reloaded, which MOV to CR4 does when it changes PGE with PAE paging on. */
#include "harness.inc"
#include "paging.inc"
  movl $0x11, FRAME0
  movl $0x22, FRAME0 + 0x1000
  map_pae_identity
  movl $(FRAME0 | PG_P | PG_RW), PAE_PT1
  /* a copy of the directory whose PDE 1 maps 0x200000 to the second frame */
  mov $0x27000, %edi
  movl $(PAE_PT0 | 7), (%edi)
  movl $(0x29000 | 7), 8(%edi)
  movl $(FRAME0 + 0x1000 | PG_P | PG_RW), 0x29000
  paging_on
  mov 0x200000, %ebx
  movl $(0x27000 | PG_P), PDPT                       /* not loaded yet */
  invlpg 0x200000
  mov 0x200000, %esi
  set_cr4 CR4_PGE
  mov 0x200000, %eax
  hlt
