//@ expect: exc=6 eip=0x40
/* The selector instructions (here LAR) are #UD in virtual-8086 mode. */
#include "harness.inc"
  pushl $0
  pushl $0
  pushl $0
  pushl $0
  pushl $0x7000
  pushl $0xfff0
  pushl $0x20002
  pushl $0x1000
  pushl $(v86code - 0x10000)
  iret
  .org 0x40, 0x90
  .code16
v86code:
  lar %ax, %ax
  hlt
