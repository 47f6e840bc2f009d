/* A CMPXCHG whose comparison fails still writes its destination back on a P6: a read-only
   destination faults, and the accumulator keeps its value. */
#include "harness.inc"
//@ expect: exc=13 err=0 eax=3 m32[0x20000]=5 eip=0x1002e
  movl $0x0000ffff, GDT_BASE+GDT_FREE
  movl $0x00cf9100, GDT_BASE+GDT_FREE+4     /* present, DPL 0, read-only data */
  mov $GDT_FREE, %ax
  mov %ax, %fs
  movl $5, 0x20000
  mov $3, %eax
  mov $9, %ebx
  cmpxchg %ebx, %fs:0x20000
  hlt
