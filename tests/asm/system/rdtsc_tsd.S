//@ expect: exc=13 err=0 cpl=3 cs=0x1b eip=0x10030
/* CR4.TSD makes RDTSC privileged: from CPL 3 it raises #GP(0). SYSEXIT takes the test to
   ring 3 (SYSENTER_CS = 0x08: CS 0x1b, SS 0x23). */
#include "harness.inc"
  mov %cr4, %eax
  or $4, %eax
  mov %eax, %cr4
  mov $0x174, %ecx
  mov $SEL_CODE32, %eax
  xor %edx, %edx
  wrmsr
  mov $ring3, %edx
  mov $0x7fff0, %ecx
  sysexit
  .org 0x30, 0x90
ring3:
  rdtsc
  hlt
