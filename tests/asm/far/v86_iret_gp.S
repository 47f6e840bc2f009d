/* IRET inside V86 mode with IOPL < 3: #GP(0) to ring 0. */
//@ deliver: guest
//@ expect: cpl=0 esp=0x8ffd8 m32[0x8ffd8]=0 m32[0x8ffdc]=0
#include "harness.inc"
#include "far/prot.inc"
  idt_gate 13, gp_handler, SEL_CODE32, 0x8e
  pushl $0
  pushl $0
  pushl $0x2000
  pushl $0
  pushl $0x7000
  pushl $0xfff0
  pushl $0x21202               /* VM, IOPL 1 */
  pushl $0x1000
  pushl $(v86code - 0x10000)
  iret

  .code16
v86code:
  iret
  .code32

gp_handler:
  subl $(v86code - 0x10000), 4(%esp)
  hlt
