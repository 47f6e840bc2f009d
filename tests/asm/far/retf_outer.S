/* RETF from ring 0 to ring 3 pops CS:EIP and SS:ESP; data segment registers holding DPL-0
   selectors are nulled, a DPL-3 one stays. */
//@ deliver: guest
//@ expect: cpl=0 ds=0 es=0 fs=0x23 gs=0 m32[0x20000]=0x7fff0 m32[0x20004]=0x23 m32[0x20008]=0x1b
#include "harness.inc"
#include "far/prot.inc"
  idt_gate 0x31, finish, SEL_CODE32, 0xee
  mov $SEL_DATA32_3, %eax
  mov %ax, %fs
  pushl $SEL_DATA32_3
  pushl $0x7fff0
  pushl $SEL_CODE32_3
  pushl $ring3
  lret
ring3:
  mov %esp, %fs:SCRATCH
  mov %ss, %fs:SCRATCH + 4
  mov %cs, %fs:SCRATCH + 8
  int $0x31
finish:
  hlt
