//@ expect: exc=1 eip=0x10020 dr6=0xffff0ff3
/* G0 enables a breakpoint as L0 does. B0-B3 report each instruction breakpoint at this
   address, here also DR1, which matches without being enabled; DR2 (elsewhere) does not. */
#include "harness.inc"
  mov $target, %eax
  mov %eax, %dr0
  mov %eax, %dr1
  mov $0x10000, %eax
  mov %eax, %dr2
  mov $0x00000002, %eax            /* G0 */
  mov %eax, %dr7
  .org 0x20, 0x90
target:
  nop
  hlt
