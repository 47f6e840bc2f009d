/* State dump: a divide error with an empty IDT ends in a triple fault. The dump's last
   instructions must show the two blocks that ran, ending with the DIV at EIP. */
#include "flat.inc"
.code32
start:
  mov $0x11111111, %eax
  mov $0x22222222, %ebx
  jmp 1f
1:
  lidt zero_idt
  inc %ecx
  xor %edx, %edx
  div %edx
  hlt
  FLAT_TABLES
