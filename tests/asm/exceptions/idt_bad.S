/* Faults while delivering an exception carry EXT: the #UD gate names a DPL-3 code segment
   (more privileged handlers only), so delivering #UD raises #GP(0x18 | EXT). */
//@ deliver: guest
//@ expect: ebx=0x19 ecx=0
#include "harness.inc"
#include "far/prot.inc"
  idt_gate 6, never, SEL_CODE32_3, 0x8e
  idt_gate 13, gp_handler, SEL_CODE32, 0x8e
fault:
  ud2
never:
  hlt
gp_handler:
  pop %ebx
  pop %ecx
  sub $fault, %ecx
  hlt
