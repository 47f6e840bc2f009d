/* --log unimp: an invalid opcode (0F 04), an SSE instruction and an x87 one (pvlab has
   neither) each run twice and are reported once; UD2 is a defined #UD and is not reported.
   The #UD handler steps over the instruction (its length in %edi). Ends halted with IF=0. */
#include "flat.inc"
.code32
start:
  FLAT_SETUP
  SET_GATE 6, on_ud
  mov $2, %esi
1:
  mov $2, %edi
  .byte 0x0f, 0x04
  mov $3, %edi
  movaps %xmm1, %xmm0
  mov $2, %edi
  fld1
  mov $2, %edi
  ud2
  dec %esi
  jnz 1b
  cli
  hlt
on_ud:
  add %edi, (%esp)
  iret
  FLAT_TABLES
