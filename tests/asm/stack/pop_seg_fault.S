/* POP DS with a system-segment selector (the TSS): #GP(selector), ESP unchanged. */
#include "harness.inc"
//@ expect: exc=13 err=0x38 esp=0x8ffec ds=0x10
  pushl $SEL_TSS
  pop %ds
  hlt
