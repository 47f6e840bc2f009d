//@ expect: edx=0 ebx=1 ecx=1
/* WRMSR to IA32_TSC sets the counter (P6: the low 32 bits; the high half becomes zero);
   it keeps counting from there, and RDMSR reads the same counter. */
#include "harness.inc"
  mov $0x10, %ecx
  mov $0x40000000, %eax
  mov $0x12345678, %edx
  wrmsr
  rdtsc
  xor %ebx, %ebx
  sub $0x40000000, %eax
  cmp $50, %eax
  setb %bl
  mov %edx, %esi
  mov $0x10, %ecx
  rdmsr
  xor %ecx, %ecx
  sub $0x40000000, %eax
  cmp $50, %eax
  setb %cl
  or %esi, %edx
  hlt
