/* As double_fault.S, but the #DF gate is not present either: a fault while delivering the
   double fault shuts the processor down. */
//@ deliver: guest
//@ expect: stop=triple
#include "harness.inc"
#include "far/prot.inc"
  idt_gate 0x40, never, SEL_CODE32, 0x0e
  idt_gate 11, never, 0x100, 0x8e
  idt_gate 8, never, SEL_CODE32, 0x0e
  int $0x40
never:
  hlt
