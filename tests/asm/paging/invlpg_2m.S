//@ expect: eax=1 ebx=2 ecx=1 edx=2 esi=3 edi=4
/* PAE: INVLPG of any address inside a 2 MiB page drops every cached piece of it. */
#include "harness.inc"
#include "paging.inc"
  movl $1, 0x400000
  movl $2, 0x5ff000
  movl $3, 0xa00000
  movl $4, 0xbff000
  map_pae_identity
  movl $(0x400000 | PG_P | PG_PS), PAE_PD + 16       /* 0x400000 -> 0x400000 */
  paging_on
  mov 0x400000, %eax
  mov 0x5ff000, %ebx
  movl $(0xa00000 | PG_P | PG_PS), PAE_PD + 16
  mov 0x400000, %ecx
  mov 0x5ff000, %edx
  invlpg 0x5fffff
  mov 0x400000, %esi
  mov 0x5ff000, %edi
  hlt
