// Two- and three-operand IMUL: truncated product in the register; CF = OF = truncation lost
// significant bits.
//@ init: eax=0x10000 ebx=0x10000 ecx=0x1234fffe edx=7 esi=0 edi=0 m32[0x20000]=0xfffffffd m32[0x20004]=0x4000
//@ expect: eax=0x56780000 ebx=0x10000 ecx=0x1234fff2 edx=0xffffffeb esi=0x640000 edi=0x4000 m32[0x20010]=0x01000101 m32[0x20014]=0x00010000 m32[0x20018]=0x00010000 m32[0x2001c]=0 m32[0x20020]=0x01000001 flags[0x8d5]=0x805
#define SAVEF(a) setc a; setz a+1; sets a+2; seto a+3
  imul %ebx, %eax             /* 2^32 truncates to 0 */
  SAVEF(0x20010)
  imul %dx, %cx               /* -2 * 7 = -14 */
  SAVEF(0x20014)
  imul 0x20000, %edx          /* 7 * -3 = -21 */
  SAVEF(0x20018)
  imul $100, %ebx, %esi       /* imm8 form: 0x640000 */
  SAVEF(0x2001c)
  imul $-3, 0x20004, %di      /* 0x4000 * -3 = -49152: does not fit a word */
  SAVEF(0x20020)
  imul $0x12345678, %ebx, %eax  /* imm32 form, truncated */
  hlt
