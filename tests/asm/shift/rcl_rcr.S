// RCL / RCR rotate through CF: 9, 17 and 33-bit rotations (count mod 9 / mod 17).
//@ init: eax=0x80 ebx=0x5a ecx=1 edx=0x1234 esi=0xabcd edi=0x80000000 eflags=0x3
//@ expect: eax=0x01 ebx=0x5a ecx=0x8000 edx=0x2340 esi=0xabcd edi=3 m32[0x20000]=0x01000001 m32[0x20004]=0x01000001 m32[0x20008]=0x01000001 m32[0x2000c]=0x01000001 m32[0x20010]=0x00000001 flags[0x8d5]=0x800
#define SAVEF(a) setc a; setz a+1; sets a+2; seto a+3
  rcl $1, %al                 /* CF:0x80 -> 0x01, CF = 1, OF = 0 ^ 1 */
  SAVEF(0x20000)
  rcl $9, %bl                 /* 9 mod 9 = 0: nothing */
  SAVEF(0x20004)
  rcr $1, %cx                 /* CF=1 into bit 15: 0x8000, CF = 1, OF = 1 */
  SAVEF(0x20008)
  rcr $17, %si                /* 17 mod 17 = 0: nothing */
  SAVEF(0x2000c)
  clc
  rcl $4, %dx                 /* 17-bit: 0x2340, CF = bit 12 = 1, OF = 0 */
  SAVEF(0x20010)
  rcr $31, %edi               /* = RCL 2 of 1:0x80000000 -> 3, CF = 0, OF = 1 */
  hlt
