// SHR: CF is the last bit out; OF for a 1-bit shift is the original MSB, else 0.
//@ init: eax=0x80000001 ebx=0x8421 ecx=5 edx=0x8000
//@ expect: eax=0x40000000 ebx=0x421 ecx=0 edx=0x100 m32[0x20000]=0x01000001 m32[0x20004]=0 m32[0x20008]=0 flags[0x8d5]=0x45
#define SAVEF(a) setc a; setz a+1; sets a+2; seto a+3
  shr $1, %eax
  SAVEF(0x20000)
  shr %cl, %bx                /* 0x421, CF = bit 4 = 0 */
  SAVEF(0x20004)
  shr $7, %dh                 /* 0x80 -> 1, CF = bit 6 = 0 */
  SAVEF(0x20008)
  mov $3, %cl
  shr $2, %cl                 /* 0, CF = bit 1 = 1: CF ZF PF */
  hlt
