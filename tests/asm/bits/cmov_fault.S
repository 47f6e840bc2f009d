// A CMOVcc whose condition is false still reads its memory source: a faulting source
// raises the fault (#GP(0) through a null FS), and the destination is unchanged.
#include "harness.inc"
//@ init: eax=0 ebx=0x1234 eflags=0x2
//@ expect: exc=13 err=0 eip=0x10002 ebx=0x1234
  mov %ax, %fs                /* null selector */
  .byte 0x64, 0x0f, 0x40, 0x1d, 0x00, 0x00, 0x02, 0x00   /* cmovo %fs:0x20000, %ebx */
  hlt
