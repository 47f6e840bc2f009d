/* POPAD reads from the top of the stack upwards: with the upper half of its frame on a page
   that is not present, the fault is at that page's first byte. ESP is unchanged; EDI, ESI
   and EBP, popped before the fault, are loaded (as processors do); EBX..EAX are not. */
#include "harness.inc"
#include "paging/paging.inc"
//@ init: m32[0x30ff0]=0xa7 m32[0x30ff4]=0xa6 m32[0x30ff8]=0xa5
//@ expect: exc=14 err=0 cr2=0x402000 esp=0x401ff0 eax=0x11 ebx=0x44 edi=0xa7 esi=0xa6 ebp=0xa5
  map32_identity
  movl $(FRAME0 | PG_P | PG_RW), PT1 + 4             /* 0x401000 present, 0x402000 not */
  paging_on
  mov $0x401ff0, %esp
  mov $0x11, %eax
  mov $0x44, %ebx
  mov $0x77, %edi
  popal
  hlt
