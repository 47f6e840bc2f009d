//@ expect: exc=14 err=0x9 cr2=0x200000
/* Without EFER.NXE the XD bit is reserved: RSVD=1, P=1, and no I/D bit for the fetch. */
#include "harness.inc"
#include "paging.inc"
  movl $0xf4, FRAME0
  map_pae_identity
  movl $(FRAME0 | PG_P | PG_RW), PAE_PT1
  movl $0x80000000, PAE_PT1 + 4
  paging_on
  mov $0x200000, %ebx
  jmp *%ebx
