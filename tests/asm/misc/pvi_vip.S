/* With CR4.PVI at CPL 3, STI while VIP is set is #GP(0). */
#include "harness.inc"
//@ expect: exc=13 err=0 cpl=3 eflags=0x100202 eip=0x1001d
  mov %cr4, %eax
  or $2, %eax
  mov %eax, %cr4
  pushl $SEL_DATA32_3
  pushl $0x7fff0
  pushl $0x100202              /* VIP, IF, IOPL 0 */
  pushl $SEL_CODE32_3
  pushl $ring3
  iret
ring3:
  sti
  hlt
