/* ENTER whose new ESP falls below an expand-down stack's limit: #SS(0); ESP and EBP keep
   their values. */
#include "harness.inc"
//@ expect: exc=12 err=0 esp=0x1010 ebp=0x7777
  movl $0x00000fff, GDT_BASE+GDT_FREE       /* base 0x20000, limit 0xfff */
  movl $0x00409702, GDT_BASE+GDT_FREE+4     /* expand-down writable, B=1 */
  mov $GDT_FREE, %ax
  mov %ax, %ss
  mov $0x1010, %esp
  mov $0x7777, %ebp
  enter $0x20, $0
  hlt
