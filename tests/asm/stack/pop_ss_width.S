/* POP SS that switches to a 16-bit stack moves ESP by the old (32-bit) stack width. */
#include "harness.inc"
//@ expect: esp=0x30000 ss=0x30
  mov $0x30000, %esp
  pushl $SEL_DATA16
  pop %ss
  hlt
