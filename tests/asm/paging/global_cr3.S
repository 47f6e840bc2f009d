//@ expect: eax=0xa ebx=0xb esi=0xa edi=0xd ebp=0xc edx=0xc
/* CR4.PGE: a global translation survives a CR3 reload, a non-global one does not. The tables
 * change without INVLPG; only the TLB keeps the old global mapping until INVLPG (or a CR4.PGE
 * change) drops it. */
#include "harness.inc"
#include "paging.inc"
  movl $0xa, FRAME0
  movl $0xb, FRAME0 + 0x1000
  movl $0xc, FRAME0 + 0x2000
  movl $0xd, FRAME0 + 0x3000
  map32_identity
  movl $(FRAME0 | PG_P | PG_G), PT1                  /* 0x400000: global */
  movl $(FRAME0 + 0x1000 | PG_P), PT1 + 4            /* 0x401000: not global */
  set_cr4 CR4_PGE
  paging_on
  mov 0x400000, %eax
  mov 0x401000, %ebx
  movl $(FRAME0 + 0x2000 | PG_P | PG_G), PT1
  movl $(FRAME0 + 0x3000 | PG_P), PT1 + 4
  mov %cr3, %ecx
  mov %ecx, %cr3
  mov 0x400000, %esi                                 /* still the old frame */
  mov 0x401000, %edi                                 /* the new frame */
  invlpg 0x400abc
  mov 0x400000, %ebp                                 /* now the new frame */
  /* And again through a CR4.PGE toggle. */
  movl $(FRAME0 + 0x3000 | PG_P | PG_G), PT1
  mov %cr3, %ecx
  mov %ecx, %cr3
  mov 0x400000, %edx                                 /* global: still 0xc */
  hlt
