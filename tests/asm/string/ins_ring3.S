/* INS at CPL 3 with IOPL 0 and the port's bit set in the TSS I/O bitmap (or beyond the TSS
   limit): #GP(0) before anything changes. */
#include "harness.inc"
//@ mode: ring3
//@ init: edi=0x20000 edx=0xe9 m8[0x20000]=0x11
//@ expect: exc=13 err=0 edi=0x20000 m8[0x20000]=0x11 cpl=3 eip=0x10009
  movw $0x68, TSS_BASE+102   /* I/O map base at the TSS limit: no bitmap */
  insb
  hlt
