//@ expect: exc=13 err=0x10 eip=0x10004
/* LLDT with a selector that is not an LDT descriptor: #GP(selector). */
#include "harness.inc"
  mov $SEL_DATA32, %ax
  lldt %ax
  hlt
