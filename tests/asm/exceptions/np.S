/* INT n through a gate that is not present: #NP(vector * 8 + 2) with EIP at the INT. */
//@ deliver: guest
//@ expect: ebx=0x202 ecx=0 esp=0x8ffe8
#include "harness.inc"
#include "far/prot.inc"
  idt_gate 0x40, never, SEL_CODE32, 0x0e
  idt_gate 11, np_handler, SEL_CODE32, 0x8e
fault:
  int $0x40
never:
  hlt

np_handler:
  pop %ebx
  pop %ecx
  sub $fault, %ecx
  hlt
