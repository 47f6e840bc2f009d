/* INS whose destination is beyond ES's limit faults before reading the port. */
#include "harness.inc"
//@ expect: exc=13 err=0 edi=0x10000 es=0x30
  mov $SEL_DATA16, %ax
  mov %ax, %es
  mov $0xe9, %dx
  mov $0x10000, %edi
  insb
  hlt
