/* State dump: a divide error in the middle of a block goes to its handler, which empties the
   IDT and executes UD2: a triple fault. The DIV must show as not retired, the UD2 at EIP. */
#include "flat.inc"
.code32
start:
  FLAT_SETUP
  SET_GATE 0, on_de
  xor %ebx, %ebx
  mov $7, %eax
  div %ebx
  mov $1, %ecx
  hlt
on_de:
  lidt zero_idt
  ud2
  FLAT_TABLES
