/* PUSH beyond an expand-down stack's limit and POP above a 16-bit stack's top: #SS(0),
   ESP unchanged. */
#include "harness.inc"
//@ expect: exc=12 err=0 esp=0x1002 ebx=0x1000
  movl $0x00000fff, GDT_BASE+GDT_FREE
  movl $0x00409702, GDT_BASE+GDT_FREE+4
  mov $GDT_FREE, %ax
  mov %ax, %ss
  mov $0x1004, %esp
  pushl $1                   /* fits: ESP = 0x1000 */
  mov %esp, %ebx
  mov $0x1002, %esp
  pushl $2                   /* 0xffe: below the limit */
  hlt
