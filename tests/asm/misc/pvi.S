/* With CR4.PVI at CPL 3 and IOPL 0, CLI and STI clear and set VIF and leave IF alone. */
#include "harness.inc"
//@ expect: exc=13 err=0 cpl=3 ebx=0x202 ecx=0x80202 eflags=0x80202 eip=0x10023
  mov %cr4, %eax
  or $2, %eax                  /* PVI */
  mov %eax, %cr4
  pushl $SEL_DATA32_3
  pushl $0x7fff0
  pushl $0x80202               /* VIF, IF, IOPL 0 */
  pushl $SEL_CODE32_3
  pushl $ring3
  iret
ring3:
  cli
  pushf
  pop %ebx
  sti
  pushf
  pop %ecx
  hlt                          /* #GP(0) at CPL 3 */
