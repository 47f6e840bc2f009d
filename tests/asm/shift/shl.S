// SHL at each size: CF is the last bit out; OF for a 1-bit shift is MSB XOR CF.
//@ init: eax=0x80000001 ebx=0xffff1234 ecx=4 edx=0x3f
//@ expect: eax=0x8000 ebx=0xffff2340 edx=0xf8 m32[0x20000]=0x01000001 m32[0x20004]=0x01000001 m32[0x20008]=0x00010001 m32[0x2000c]=0x01010000 flags[0x8d5]=0x845
#define SAVEF(a) setc a; setz a+1; sets a+2; seto a+3
  shl $1, %eax                /* 2: CF=1, OF=1 */
  SAVEF(0x20000)
  shl %cl, %bx                /* 0x2340: CF = bit 12 */
  SAVEF(0x20004)
  shl $3, %dl                 /* 0xf8: CF = bit 5 */
  SAVEF(0x20008)
  mov $0x40, %ah
  shl $1, %ah                 /* 0x80: CF=0, OF=1 */
  SAVEF(0x2000c)
  mov $1, %al
  shl $8, %al                 /* all bits out: 0, CF = old bit 0; reference OF=1 */
  hlt
