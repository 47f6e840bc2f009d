/* INT 0x40 hits a not-present gate (#NP); the #NP gate names a code selector beyond the GDT,
   so its delivery raises #GP: two contributory faults make a #DF, delivered with error 0. */
//@ deliver: guest
//@ expect: ebx=0 ecx=0 edx=0x08 esp=0x8ffec
#include "harness.inc"
#include "far/prot.inc"
  idt_gate 0x40, never, SEL_CODE32, 0x0e
  idt_gate 11, never, 0x100, 0x8e
  idt_gate 8, df_handler, SEL_CODE32, 0x8e
fault:
  int $0x40
never:
  hlt

df_handler:
  pop %ebx
  pop %ecx
  sub $fault, %ecx
  pop %edx
  hlt
