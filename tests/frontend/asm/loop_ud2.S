/* State dump: a loop runs 100 times, a REP STOSB runs over several pages, then a final short
   loop and UD2 with an empty IDT. Only the last 16 instructions are shown, the string
   instruction's repeats folded into one line. */
#include "flat.inc"
.code32
start:
  lidt zero_idt
  mov $100, %ecx
1:
  dec %ecx
  jnz 1b
  mov $0x30000, %edi
  mov $3 * 4096 + 100, %ecx
  xor %eax, %eax
  rep stosb
  mov $5, %ecx
2:
  dec %ecx
  jnz 2b
  ud2
  FLAT_TABLES
