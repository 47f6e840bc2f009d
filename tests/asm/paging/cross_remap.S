//@ expect: ebx=0x12345678 eax=0x77345678
/* The second page of a crossing instruction is remapped to another frame (with INVLPG): the
 * next run decodes the bytes of the new frame, not the cached block. */
#include "harness.inc"
#include "paging.inc"
  map32_identity
  paging_on
  call split
  mov %eax, %ebx
  movl $(0x13000 | PG_P | PG_RW), PT0 + 4 * 0x12
  invlpg 0x12000
  call split
  hlt
  .org 0x1ffe
split:
  mov $0x12345678, %eax                              /* b8 78 | 56 34 12 */
  ret
  .org 0x3000
  .byte 0x56, 0x34, 0x77, 0xc3                       /* frame 0x13000: the new tail and a ret */
