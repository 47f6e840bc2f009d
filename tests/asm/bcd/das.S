// DAS after packed-BCD subtractions, with and without borrow.
//@ init: eax=0x35 ebx=0x47
//@ expect: eax=0 m8[0x20020]=0x88 m8[0x20021]=0x49 m32[0x20000]=0x00010001 m32[0x20004]=0 flags[0x8d5]=0x44
#define SAVEF(a) setc a; setz a+1; sets a+2; seto a+3
  sub %bl, %al                /* 0x35 - 0x47 = 0xee, CF AF */
  das                         /* 0x88 with borrow */
  SAVEF(0x20000)
  mov %al, 0x20020
  mov $0x50, %al
  sub $0x01, %al              /* 0x4f, AF */
  das                         /* 0x49 */
  SAVEF(0x20004)
  mov %al, 0x20021
  mov $0x10, %al
  sub $0x10, %al
  das                         /* 0: nothing to adjust; ZF PF */
  hlt
