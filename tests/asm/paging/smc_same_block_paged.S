//@ expect: eax=0x42 ebx=2 ecx=0x4321
/* The same with paging on, and a second patch made with a word store that straddles two
 * instructions. */
#include "harness.inc"
#include "paging.inc"
  map32_identity
  paging_on
  mov $1, %ebx
  movb $0x42, patch + 1
patch:
  mov $0x11, %eax
  inc %ebx
  movw $0x4321, patch2 + 1
patch2:
  mov $0x0, %ecx
  hlt
