//@ expect: exc=13 err=0x38 eip=0x10004
/* The runner's TSS (0x38) is busy already: LTR on a busy TSS is #GP(selector). */
#include "harness.inc"
  mov $SEL_TSS, %ax
  ltr %ax
  hlt
