/* --log cpu,io from the command line: CR0.PE set and cleared again (real -> protected ->
   real), a read of port 0x1234 that no device answers, then isa-debug-exit with 0. */
#include "rom.inc"
.code16
start:
low:
  cli
  mov %cr0, %eax
  or $1, %al
  mov %eax, %cr0
  and $0xfe, %al
  mov %eax, %cr0
  mov $0x1234, %dx
  in %dx, %al
  mov $0, %al
  out %al, $0xf4
  hlt
  ROM_END
