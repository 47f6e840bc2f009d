//@ expect: exc=13 err=0 eip=0x40
/* IN in virtual-8086 mode consults the TSS I/O bitmap even with IOPL 3; the runner's TSS has
   none, so it is #GP(0). */
#include "harness.inc"
  pushl $0
  pushl $0
  pushl $0
  pushl $0
  pushl $0x7000
  pushl $0xfff0
  pushl $0x23002                    /* VM, IOPL 3 */
  pushl $0x1000
  pushl $(v86code - 0x10000)
  iret
  .org 0x40, 0x90
  .code16
v86code:
  in $0x80, %al
  hlt
