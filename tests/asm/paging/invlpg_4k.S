//@ expect: eax=0xa ebx=0xa ecx=0xc esi=0xa edx=0xb
/* A changed PTE is not seen until INVLPG drops the stale entry; INVLPG of one page leaves
 * the others. */
#include "harness.inc"
#include "paging.inc"
  movl $0xa, FRAME0
  movl $0xb, FRAME0 + 0x1000
  movl $0xc, FRAME0 + 0x2000
  map32_identity
  movl $(FRAME0 | PG_P), PT1                         /* 0x400000 */
  movl $(FRAME0 | PG_P), PT1 + 4                     /* 0x401000 */
  paging_on
  mov 0x400000, %eax
  mov 0x401000, %ebx
  movl $(FRAME0 + 0x2000 | PG_P), PT1
  movl $(FRAME0 + 0x1000 | PG_P), PT1 + 4
  invlpg 0x400fff
  mov 0x400000, %ecx
  mov 0x401000, %esi                                 /* still stale */
  invlpg 0x401000
  mov 0x401000, %edx
  hlt
