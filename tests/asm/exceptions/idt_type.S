/* An IDT entry that is not a gate (a data descriptor): #GP(vector * 8 + 2) for INT n. */
//@ deliver: guest
//@ expect: ebx=0x182
#include "harness.inc"
#include "far/prot.inc"
  idt_gate 13, gp_handler, SEL_CODE32, 0x8e
  movl $0x0000ffff, IDT_BASE + 0x30 * 8
  movl $0x00cf9200, IDT_BASE + 0x30 * 8 + 4
  int $0x30
gp_handler:
  pop %ebx
  hlt
