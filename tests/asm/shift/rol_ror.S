// ROL / ROR change only CF and OF; a count that is a multiple of the width (but not zero
// after masking) still sets them; a masked count of zero changes nothing.
//@ init: eax=0x80000001 ebx=0x1234 ecx=8 edx=0x81 eflags=0xd6
//@ expect: eax=0x6 ebx=0x4123 edx=0x81 m32[0x20000]=0x01010101 m32[0x20004]=0x01010100 m32[0x20008]=0x00010101 m32[0x2000c]=0x00010101 flags[0x8d5]=0xd4
#define SAVEF(a) setc a; setz a+1; sets a+2; seto a+3
  rol $1, %eax                /* 3: CF = LSB = 1, OF = MSB ^ CF = 1 */
  SAVEF(0x20000)
  ror $4, %bx                 /* 0x4123: CF = MSB = 0, OF = bit15 ^ bit14 = 1 */
  SAVEF(0x20004)
  rol %cl, %dl                /* 8 & 7 = 0: value kept, CF = 1, OF = 0 */
  SAVEF(0x20008)
  ror $32, %eax               /* masked count 0: nothing */
  SAVEF(0x2000c)
  rol $17, %ax                /* 17 & 15 = 1: 3 -> 6, CF = 0, OF = 0 */
  hlt
