// SHLD / SHRD at 32 and 16 bits, register and memory destinations, count from imm8 and CL.
// A 16-bit count above 16 shifts dest:source:dest as the reference does.
//@ init: eax=0x12345678 ebx=0x9abcdef0 ecx=1 edx=1 esi=0x1111 edi=0x1234 m32[0x20000]=3
//@ expect: eax=0x23456789 ebx=0x9abcdef0 edx=0xabcd esi=0xef01 edi=0xcd12 m32[0x20000]=0x80000001 m32[0x20010]=0x01000001 m32[0x20014]=0x00000101 m32[0x20018]=0x00010001 m32[0x2001c]=0x00010000 flags[0x8d5]=0x881
#define SAVEF(a) setc a; setz a+1; sets a+2; seto a+3
  shld $4, %ebx, %eax         /* 0x23456789, CF = bit 28 = 1 */
  SAVEF(0x20010)
  shrd %cl, %ebx, %edx        /* 1 -> 0 (ebx bit 0 is 0), CF = 1 */
  SAVEF(0x20014)
  shld $20, %bx, %si          /* 16-bit, count 20: 0xef01 */
  SAVEF(0x20018)
  mov $0xabcd, %dx
  shrd $8, %dx, %di           /* 0xcd12, CF = bit 7 = 0 */
  SAVEF(0x2001c)
  shld $0, %ebx, %eax         /* nothing */
  shrdl $1, %eax, 0x20000     /* 3 -> 0x80000001: CF=1 SF=1 OF=1 */
  hlt
