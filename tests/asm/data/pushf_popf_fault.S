/* A POPF whose stack read is beyond the SS limit raises #SS(0) and changes nothing. */
#include "harness.inc"
//@ init: eflags=0x2c3
//@ expect: exc=12 err=0 esp=0x1234fffe eflags=0x2c3 ss=0x30
  mov $SEL_DATA16, %ax
  mov %ax, %ss               /* 64 KiB stack, 16-bit SP */
  mov $0x1234fffe, %esp
  popf
  hlt
