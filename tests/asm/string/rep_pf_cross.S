/* REP MOVSD whose second element straddles into a page that is not present: the first
   element is copied, the second not at all (no byte of it lands in the present page). */
#include "harness.inc"
#include "paging/paging.inc"
//@ init: m32[0x28000]=0x11111111 m32[0x28004]=0x22222222
//@ expect: exc=14 err=2 cr2=0x402000 ecx=2 esi=0x28004 edi=0x401ffe
//@ expect: m32[0x30ffa]=0x11111111 m16[0x30ffe]=0
  map32_identity
  movl $(FRAME0 | PG_P | PG_RW), PT1 + 4
  paging_on
  mov $0x28000, %esi
  mov $0x401ffa, %edi
  mov $3, %ecx
  rep movsl
  hlt
