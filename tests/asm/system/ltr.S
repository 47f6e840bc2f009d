//@ expect: m8[0x1045]=0x8b eax=0x40 ebx=0x40 m16[0x20000]=0x40
/* LTR loads an available 32-bit TSS and marks its descriptor busy; STR reads TR. */
#include "harness.inc"
  movl $0x40000067, GDT_BASE+0x40     /* TSS at 0x24000, limit 0x67, type 9 */
  movl $0x00008902, GDT_BASE+0x44
  mov $0x40, %ax
  ltr %ax
  mov $0xffffffff, %ebx
  str %ebx
  str SCRATCH
  hlt
