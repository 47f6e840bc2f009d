//@ expect: ebx=0 ecx=0 eax=0x90
/* REP STOSB overwrites the instructions that follow it (in the same block) with NOPs. */
#include "harness.inc"
  xor %ebx, %ebx
  mov $target, %edi
  mov $0x90, %eax
  mov $8, %ecx
  cld
  rep stosb
target:
  inc %ebx
  inc %ebx
  inc %ebx
  inc %ebx
  inc %ebx
  inc %ebx
  inc %ebx
  inc %ebx
  hlt
