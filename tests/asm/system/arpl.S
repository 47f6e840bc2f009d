//@ expect: eax=0x1233 ebx=0x5552 m16[0x20000]=0x0011 ecx=0x1
/* ARPL raises the destination's RPL to the source's and sets ZF; otherwise ZF=0. Only ZF
   changes. */
#include "harness.inc"
  mov $0x1230, %eax
  mov $0x0003, %edx
  arpl %dx, %ax
  setz %cl
  mov $0x5552, %ebx
  mov $0x0001, %edx
  arpl %dx, %bx
  setz %ch
  movw $0x0010, SCRATCH
  arpl %dx, SCRATCH
  hlt
