//@ expect: exc=11 err=0x40 eip=0x10018
/* LTR on a TSS descriptor that is not present: #NP(selector). */
#include "harness.inc"
  movl $0x40000067, GDT_BASE+0x40
  movl $0x00000902, GDT_BASE+0x44
  mov $0x40, %ax
  ltr %ax
  hlt
