// SAR fills with the sign; OF is always 0; a count past the width leaves the sign in CF.
//@ init: eax=0x80000001 ebx=0x8000 ecx=15 edx=0x7fffffff
//@ expect: eax=0xc0000000 ebx=0xffff ecx=0xf edx=0 m32[0x20000]=0x00010001 m32[0x20004]=0x00010000 m32[0x20008]=0x00000101 m32[0x2000c]=0x00010001 flags[0x8d5]=0x44
#define SAVEF(a) setc a; setz a+1; sets a+2; seto a+3
  sar $1, %eax
  SAVEF(0x20000)
  sar %cl, %bx                /* 0x8000 >> 15 = 0xffff, CF = bit 14 = 0 */
  SAVEF(0x20004)
  sar $31, %edx               /* 0, CF = bit 30 = 1 */
  SAVEF(0x20008)
  mov $0x80, %al
  sar $12, %al                /* byte, count 12: 0xff, CF = sign */
  SAVEF(0x2000c)
  mov $0x00, %al
  mov $0x40, %ch
  sar $10, %ch                /* 0, CF = 0: ZF PF */
  hlt
