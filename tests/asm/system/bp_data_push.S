//@ expect: exc=1 eip=0x10011 dr6=0xffff0ff1 esp=0x8ffec
/* Stack writes are data writes: a breakpoint on the next stack slot hits on PUSH. */
#include "harness.inc"
  mov $0x8ffec, %eax
  mov %eax, %dr0
  mov $0x000d0001, %eax            /* L0, R/W0=01, LEN0=11 */
  mov %eax, %dr7
  push %eax
  nop
  hlt
