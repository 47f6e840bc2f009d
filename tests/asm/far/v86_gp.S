/* In V86 mode with IOPL 0, INT n is IOPL-sensitive: #GP(0), delivered from V86 to the ring-0
   handler with the segment registers pushed and the error code on top. */
//@ deliver: guest
//@ expect: cpl=0 ds=0 esp=0x8ffd8 m32[0x8ffd8]=0 m32[0x8ffdc]=0 m32[0x8ffe0]=0x1000
//@ expect: m32[0x8ffe4]=0x30202 m32[0x8fff4]=0x2000
#include "harness.inc"
#include "far/prot.inc"
  idt_gate 13, gp_handler, SEL_CODE32, 0x8e
  pushl $0
  pushl $0
  pushl $0x2000
  pushl $0
  pushl $0x7000
  pushl $0xfff0
  pushl $0x20202               /* VM, IOPL 0, IF */
  pushl $0x1000
  pushl $(v86code - 0x10000)
  iret

  .code16
v86code:
  int $0x30
  .code32

gp_handler:
  subl $(v86code - 0x10000), 4(%esp)
  hlt
