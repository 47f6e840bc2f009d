//@ expect: exc=14 err=0x11 cr2=0x202000 eip=0x201ffd
/* PAE with NXE: the second page of an instruction is present but execute-disabled: P=1, I/D=1,
 * CR2 = the first byte of that page. */
#include "harness.inc"
#include "paging.inc"
  enable_nx
  map_pae_identity
  movl $(0x11000 | PG_P), PAE_PT1 + 8                /* 0x201000 -> 0x11000 */
  movl $(0x12000 | PG_P), PAE_PT1 + 16               /* 0x202000 -> 0x12000, XD */
  movl $0x80000000, PAE_PT1 + 20
  paging_on
  mov $0x201ffd, %ebx
  jmp *%ebx
  .org 0x1ffd
  mov $0x12345678, %eax                              /* b8 78 56 | 34 12 */
  hlt
