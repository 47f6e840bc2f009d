//@ expect: exc=14 err=0x11 cr2=0x200000 eip=0x200000 eax=0xf4
/* PAE with EFER.NXE: data reads of an XD page work, a fetch faults with P=1 and I/D=1. */
#include "harness.inc"
#include "paging.inc"
  movl $0xf4, FRAME0                                 /* hlt */
  enable_nx
  map_pae_identity
  movl $(FRAME0 | PG_P | PG_RW), PAE_PT1
  movl $0x80000000, PAE_PT1 + 4                      /* XD */
  paging_on
  mov 0x200000, %eax
  mov $0x200000, %ebx
  jmp *%ebx
