/* REP STOSD into a page that is not present: the elements before it are written, then #PF
   with ECX and EDI at the faulting element. */
#include "harness.inc"
#include "paging/paging.inc"
//@ expect: exc=14 err=2 cr2=0x402000 ecx=2 edi=0x402000 m32[0x30ff8]=0x5a5a5a5a
//@ expect: m32[0x30ffc]=0x5a5a5a5a
  map32_identity
  movl $(FRAME0 | PG_P | PG_RW), PT1 + 4              /* 0x401000 -> FRAME0 */
  paging_on
  mov $0x5a5a5a5a, %eax
  mov $0x401ff8, %edi
  mov $4, %ecx
  rep stosl
  hlt
