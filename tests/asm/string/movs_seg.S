/* A segment prefix on MOVS overrides the source (DS); the destination stays ES. */
#include "harness.inc"
//@ init: m32[0x30010]=0x12345678 m32[0x20010]=0xdeadbeef
//@ expect: m32[0x20020]=0x12345678 m32[0x30020]=0 m32[0x20024]=0x12345678 m32[0x30024]=0
  movl $0x0000ffff, GDT_BASE+GDT_FREE       /* base 0x30000, limit 0xffff */
  movl $0x00409303, GDT_BASE+GDT_FREE+4     /* present, DPL 0, writable data */
  mov $GDT_FREE, %ax
  mov %ax, %fs
  mov $0x10, %esi
  mov $0x20020, %edi
  movsl %fs:(%esi), %es:(%edi)
  mov $0x10, %esi
  lodsl %fs:(%esi)
  stosl                      /* to ES:0x20024 */
  hlt
