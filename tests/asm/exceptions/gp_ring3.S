/* Ring 3 loads DS with the ring-0 data selector: #GP(0x10) goes to ring 0 on the TSS stack
   with the error code below EIP, CS, EFLAGS, ESP and SS. Exceptions ignore the gate's DPL. */
//@ mode: ring3
//@ deliver: guest
//@ expect: cpl=0 esp=0x8ffe8 ds=0x23
//@ expect: m32[0x8ffe8]=0x10 m32[0x8ffec]=0 m32[0x8fff0]=0x1b m32[0x8fff8]=0x7fff0 m32[0x8fffc]=0x23
#include "harness.inc"
#include "far/prot.inc"
  idt_gate 13, gp_handler, SEL_CODE32, 0x8e
  mov $SEL_DATA32, %eax
fault:
  mov %ax, %ds
  hlt

gp_handler:
  subl $fault, 4(%esp)
  hlt
