/* IRET from ring 0 to ring 3 with IOPL 3 in the image; then IRET at ring 3 to ring 3: IF
   follows the image (CPL <= IOPL) but IOPL does not change (CPL > 0). */
//@ deliver: guest
//@ expect: cpl=0 m32[0x20000]=0x3202 m32[0x20004]=0x3002 m32[0x20008]=0x7fff0
#include "harness.inc"
#include "far/prot.inc"
  idt_gate 0x31, finish, SEL_CODE32, 0xee
  pushl $SEL_DATA32_3
  pushl $0x7fff0
  pushl $0x3202
  pushl $SEL_CODE32_3
  pushl $ring3
  iret
ring3:
  mov $SEL_DATA32_3, %eax
  mov %ax, %ds
  pushf
  popl SCRATCH
  pushl $0x0002
  pushl $SEL_CODE32_3
  pushl $ring3b
  iret
ring3b:
  pushf
  popl SCRATCH + 4
  mov %esp, SCRATCH + 8
  int $0x31
finish:
  hlt
