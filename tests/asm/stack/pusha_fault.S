/* PUSHAD that runs past the bottom of an expand-down stack segment: #SS(0), ESP unchanged. */
#include "harness.inc"
//@ expect: exc=12 err=0 esp=0x1010 ss=0x40
  movl $0x00000fff, GDT_BASE+GDT_FREE       /* base 0x20000, limit 0xfff: offsets 0x1000.. */
  movl $0x00409702, GDT_BASE+GDT_FREE+4     /* present, DPL 0, expand-down writable, B=1 */
  mov $GDT_FREE, %ax
  mov %ax, %ss
  mov $0x1010, %esp
  pushal                     /* needs 0x1010 - 32 = 0xff0: below the limit */
  hlt
