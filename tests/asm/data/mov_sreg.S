/* MOV to and from segment registers: a 32-bit register destination gets the selector
   zero-extended, a 16-bit one keeps its upper half, memory gets 16 bits. A null selector
   loads into DS; using it faults. */
#include "harness.inc"
//@ init: ebx=0xffffffff ecx=0xffffffff m32[0x20000]=0xaaaaaaaa
//@ expect: ebx=0x30 ecx=0xffff0010 m32[0x20000]=0xaaaa0023 es=0x30 fs=0x23 gs=0
//@ expect: exc=13 err=0 eip=0x10021
  mov $SEL_DATA16, %ax
  mov %ax, %es
  mov %es, %ebx
  mov %ds, %cx
  mov $SEL_DATA32_3, %edx
  mov %edx, %fs              /* 32-bit form: the low 16 bits */
  mov %fs, 0x20000
  xor %eax, %eax
  mov %ax, %gs
  mov 0x20000, %eax
  mov %gs:0x20000, %eax      /* null GS: #GP(0) */
  hlt
