//@ expect: eax=1 ebx=2 ecx=1 edx=2 esi=3 edi=4
/* INVLPG of any address inside a 4 MiB page drops every cached piece of it. */
#include "harness.inc"
#include "paging.inc"
  movl $1, 0x400000
  movl $2, 0x7ff000
  movl $3, 0xc00000
  movl $4, 0xfff000
  map32_identity
  movl $(0x400000 | PG_P | PG_PS), PD + 8            /* 0x800000 -> 0x400000 */
  set_cr4 CR4_PSE
  paging_on
  mov 0x800000, %eax
  mov 0xbff000, %ebx
  movl $(0xc00000 | PG_P | PG_PS), PD + 8
  mov 0x800000, %ecx
  mov 0xbff000, %edx
  invlpg 0x955555
  mov 0x800000, %esi
  mov 0xbff000, %edi
  hlt
