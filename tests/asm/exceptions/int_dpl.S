/* INT n from ring 3 to a gate of DPL 0: #GP(vector * 8 + 2), EXT clear; INT3 likewise. */
//@ mode: ring3
//@ deliver: guest
//@ expect: cpl=0 m32[0x8ffe8]=0x182 m32[0x8ffec]=0
#include "harness.inc"
#include "far/prot.inc"
  idt_gate 0x30, never, SEL_CODE32, 0x8e
  idt_gate 13, gp_handler, SEL_CODE32, 0x8e
fault:
  int $0x30
never:
  hlt

gp_handler:
  subl $fault, 4(%esp)
  hlt
