//@ expect: edx=0x42 ebx=0x1111 esi=0x1111 edi=0x2222
/* Cross-modifying code through a different linear alias of the code page: 0x400000 maps the
 * physical page of the test's code. Patching the rest of the running block, and patching a
 * routine that already ran (its decoded block is cached) both take effect. */
#include "harness.inc"
#include "paging.inc"
#define ALIAS(x) ((x) - 0x10000 + 0x400000)
  map32_identity
  movl $(0x10000 | PG_P | PG_RW), PT1
  paging_on
  call routine
  mov %eax, %esi
  movb $0x42, ALIAS(patch + 1)
patch:
  mov $0x11, %edx
  movw $0x2222, ALIAS(routine + 1)
  call routine
  mov %eax, %edi
  mov %esi, %ebx
  hlt
routine:
  mov $0x1111, %eax
  ret
