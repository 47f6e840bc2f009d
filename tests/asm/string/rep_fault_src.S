/* REPE CMPSD faulting on its source (an overridden segment's limit) after two equal
   elements: the state is that of the third iteration. */
#include "harness.inc"
//@ init: m32[0x30ff8]=7 m32[0x30ffc]=8 m32[0x20000]=7 m32[0x20004]=8
//@ expect: exc=13 err=0 ecx=3 esi=0x1000 edi=0x20008 flags[0x40]=0x40
  movl $0x00000fff, GDT_BASE+GDT_FREE       /* base 0x30000, limit 0xfff */
  movl $0x00409303, GDT_BASE+GDT_FREE+4
  mov $GDT_FREE, %ax
  mov %ax, %gs
  mov $0xff8, %esi
  mov $0x20000, %edi
  mov $5, %ecx
  repe cmpsl %es:(%edi), %gs:(%esi)
  hlt
