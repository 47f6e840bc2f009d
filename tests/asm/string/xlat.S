/* XLAT: AL = [DS:EBX + AL]; 16-bit addressing wraps BX + AL; a segment prefix overrides DS. */
#include "harness.inc"
//@ init: m8[0x20010]=0x77 m8[0x10]=0x66 m8[0x30005]=0x55
//@ expect: m8[0x20100]=0x77 m8[0x20101]=0x66 eax=0x12345655
  movl $0x0000ffff, GDT_BASE+GDT_FREE       /* base 0x30000, limit 0xffff */
  movl $0x00409303, GDT_BASE+GDT_FREE+4
  mov $GDT_FREE, %ax
  mov %ax, %fs
  mov $0x20000, %ebx
  mov $0x12345610, %eax
  xlat
  mov %al, 0x20100
  mov $0xabcdfff0, %ebx
  mov $0x20, %al
  addr16 xlat                /* BX + AL = 0x10 */
  mov %al, 0x20101
  xor %ebx, %ebx
  mov $5, %al
  xlat %fs:(%ebx)
  hlt
