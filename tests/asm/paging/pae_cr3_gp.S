//@ expect: exc=13 err=0 cr3=0x23000 eax=0x11 ebx=0x23020
/* MOV to CR3 with PAE paging on loads the PDPTEs from the new CR3 (32-byte aligned): bits
 * 5..8 of a present one are reserved, the MOV faults, CR3 and translation are unchanged. */
#include "harness.inc"
#include "paging.inc"
  movl $0x11, FRAME0
  map_pae_identity
  movl $(FRAME0 | PG_P | PG_RW), PAE_PT1
  movl $(PAE_PD | PG_P), PDPT + 0x20                 /* a second PDPT, first entry fine */
  movl $(PAE_PD | PG_P | 0x40), PDPT + 0x38          /* fourth entry: bit 6 */
  paging_on
  mov $PDPT + 0x20, %ebx
  mov 0x200000, %eax
  mov %ebx, %cr3
  hlt
