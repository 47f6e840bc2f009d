//@ expect: exc=13 err=0 cpl=3 eip=0x10030 cs=0x1b
/* SYSEXIT at CPL 3 is #GP(0). */
#include "harness.inc"
  mov $0x174, %ecx
  mov $SEL_CODE32, %eax
  xor %edx, %edx
  wrmsr
  mov $user, %edx
  mov $0x7fff0, %ecx
  sysexit
  .org 0x30, 0x90
user:
  sysexit
