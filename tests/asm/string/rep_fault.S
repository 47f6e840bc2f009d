/* A fault in the middle of REP MOVSB leaves ECX, ESI and EDI at the faulting iteration: the
   destination segment's limit stops the fifth byte. */
#include "harness.inc"
//@ init: m32[0x20000]=0x44332211 m32[0x20004]=0x88776655
//@ expect: exc=13 err=0 ecx=6 esi=0x20004 edi=0x1000 m32[0x30ffc]=0x44332211 m8[0x31000]=0
//@ expect: eip=0x10029
  movl $0x00000fff, GDT_BASE+GDT_FREE       /* base 0x30000, limit 0xfff */
  movl $0x00409303, GDT_BASE+GDT_FREE+4
  mov $GDT_FREE, %ax
  mov %ax, %es
  mov $0x20000, %esi
  mov $0xffc, %edi
  mov $10, %ecx
  rep movsb
  hlt
