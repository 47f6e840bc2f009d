//@ expect: ecx=1 esi=0 ebx=1
/* RDTSC counts the cycle counter: a later read is larger, and the high half starts at 0. */
#include "harness.inc"
  rdtsc
  mov %eax, %edi
  mov %edx, %esi
  nop
  nop
  rdtsc
  xor %ecx, %ecx
  xor %ebx, %ebx
  cmp %edi, %eax
  seta %cl
  sub %edi, %eax
  cmp $100, %eax
  setb %bl
  hlt
