/* String instructions in real mode: DS:SI and ES:DI with segment bases, 16-bit counts, and a
   32-bit address-size prefix. */
//@ mode: real
//@ init: m32[0x20010]=0x44332211 m32[0x20014]=0x88776655
//@ expect: m32[0x30020]=0x44332211 m16[0x30024]=0x6655 esi=0x16 edi=0x26 ecx=0xffff0000
//@ expect: m32[0x30100]=0xabcdabcd m32[0x30104]=0xabcdabcd edx=0x108 m8[0x30400]=0x11
  .code16
  mov $0x2000, %ax
  mov %ax, %ds
  mov $0x3000, %ax
  mov %ax, %es
  mov $0x10, %esi
  mov $0x20, %edi
  mov $0xffff0006, %ecx
  rep movsb                    /* CX counts; the upper half of ECX stays */
  push %ecx
  push %esi
  push %edi
  mov $0x100, %di
  mov $0xabcd, %ax
  mov $4, %cx
  rep stosw
  mov %di, %dx
  mov $0x10, %esi
  mov $0x400, %edi
  addr32 movsb                 /* ESI/EDI as 32-bit offsets */
  pop %edi
  pop %esi
  pop %ecx
  hlt
