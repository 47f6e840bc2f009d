//@ expect: eax=0xa esi=0xa edi=0xc
/* Clearing CR4.PGE flushes global translations too. */
#include "harness.inc"
#include "paging.inc"
  movl $0xa, FRAME0
  movl $0xc, FRAME0 + 0x2000
  map32_identity
  movl $(FRAME0 | PG_P | PG_G), PT1
  set_cr4 CR4_PGE
  paging_on
  mov 0x400000, %eax
  movl $(FRAME0 + 0x2000 | PG_P | PG_G), PT1
  mov %cr3, %ecx
  mov %ecx, %cr3
  mov 0x400000, %esi
  mov %cr4, %ecx
  and $~CR4_PGE, %ecx
  mov %ecx, %cr4
  mov 0x400000, %edi
  hlt
