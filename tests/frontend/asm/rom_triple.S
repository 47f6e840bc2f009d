/* The state dump from the command line: real-mode code empties the IVT and executes INT3, a
   triple fault. */
#include "rom.inc"
.code16
start:
low:
  mov $1, %ax
  mov $2, %bx
  jmp 1f
1:
  lidt %cs:ROM_OFF(zero)
  int3
  hlt
zero:
  .word 0
  .long 0
  ROM_END
