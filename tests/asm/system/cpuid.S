//@ expect: eax=0x633 edx=0x3ab7e ebx=0 ecx=0 esi=2 edi=0x756e6547 ebp=0x6c65746e m32[0x20000]=0x49656e69
/* CPUID: leaf 0 is GenuineIntel with maximum leaf 2; leaf 1 the P6 signature and features. */
#include "harness.inc"
  xor %eax, %eax
  cpuid
  mov %eax, %esi
  mov %ebx, %edi
  mov %ecx, %ebp
  mov %edx, SCRATCH
  mov $1, %eax
  cpuid
  hlt
