/* XCHG with a memory operand in a read-only segment faults before either side changes. */
#include "harness.inc"
//@ expect: exc=13 err=0 eax=0x11111111 m32[0x20000]=0x22222222 eip=0x10029
  movl $0x0000ffff, GDT_BASE+GDT_FREE       /* base 0, limit 0xfffff pages */
  movl $0x00cf9100, GDT_BASE+GDT_FREE+4     /* present, DPL 0, read-only data */
  mov $GDT_FREE, %ax
  mov %ax, %es
  movl $0x22222222, 0x20000
  mov $0x11111111, %eax
  xchg %eax, %es:0x20000
  hlt
