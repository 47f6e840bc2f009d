// Byte and word shifts with counts of the width or more (five-bit masked counts up to 31).
//@ init: eax=0xff ebx=0xff ecx=0x80 edx=1
//@ expect: eax=0 ebx=0 ecx=0xff edx=0 m32[0x20000]=0x00000100 m32[0x20004]=0x00000100 m32[0x20008]=0x00010001 flags[0x8d5]=0x845
#define SAVEF(a) setc a; setz a+1; sets a+2; seto a+3
  shl $9, %al                 /* 0, CF = 0 */
  SAVEF(0x20000)
  shr $10, %bl                /* 0, CF = 0 */
  SAVEF(0x20004)
  sar $12, %cl                /* sign fill: 0xff, CF = 1 */
  SAVEF(0x20008)
  shl $16, %dx                /* 0, CF = old bit 0 = 1; reference OF = 1 */
  hlt
