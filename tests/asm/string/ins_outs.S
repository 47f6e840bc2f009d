/* INS and OUTS through the 0xE9 debug console (reads 0xE9) and an unmapped port (reads all
   ones); REP INSB with DF=1. */
//@ init: m32[0x20100]=0x0a6b6f21
//@ expect: m8[0x20000]=0xe9 m16[0x20001]=0x00e9 m32[0x20003]=0xe9 m16[0x20007]=0xffff
//@ expect: m32[0x20012]=0x00e9e9e9 m8[0x20011]=0 esi=0x20104 ecx=0 edi=0x20011
//@ expect: m32[0x20200]=0x20009
  mov $0xe9, %dx
  mov $0x20000, %edi
  insb
  insw
  insl
  mov $0x80, %dx
  insw
  mov %edi, 0x20200
  mov $0xe9, %dx
  std
  mov $0x20014, %edi
  mov $3, %ecx
  rep insb
  cld
  mov $0x20100, %esi
  outsb
  outsw
  outsb
  hlt
