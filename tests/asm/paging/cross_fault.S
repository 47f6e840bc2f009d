//@ expect: exc=14 err=0 cr2=0x12000 eip=0x11ffe eax=0
/* An instruction that starts on a mapped page and needs bytes of a not-present one: #PF with
 * CR2 = the first byte of the second page, EIP at the instruction. */
#include "harness.inc"
#include "paging.inc"
  map32_identity
  movl $0, PT0 + 4 * 0x12
  paging_on
  xor %eax, %eax
  jmp split
  .org 0x1ffe
split:
  mov $0x12345678, %eax                              /* b8 78 | 56 34 12 */
  hlt
