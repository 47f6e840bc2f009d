//@ expect: esi=0x80000004 edi=0x00100000 eax=0x03020101 edx=0x0c040843
//@ expect: m32[0x20000]=0x616c7670 m32[0x20004]=0x36502062
/* Extended leaves: the maximum, NX in 80000001h:EDX, and the brand string. A basic leaf past
   the maximum answers with the highest basic leaf (2, cache descriptors). */
#include "harness.inc"
  mov $0x80000000, %eax
  cpuid
  mov %eax, %esi
  mov $0x80000001, %eax
  cpuid
  mov %edx, %edi
  mov $0x80000002, %eax
  cpuid
  mov %eax, SCRATCH
  mov %ebx, SCRATCH+4
  mov $7, %eax
  cpuid
  hlt
