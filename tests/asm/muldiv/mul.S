// MUL at 8, 16 and 32 bits: CF = OF = (upper half != 0); SF, ZF, PF from the lower half.
//@ init: eax=0xabcd0080 ebx=2 ecx=0xffff edx=0x55550000 esi=0x10000 m32[0x20000]=5
//@ expect: eax=15 edx=0 m32[0x20010]=0x01000101 m32[0x20014]=0x01000001 m32[0x20018]=0x01000101 m32[0x20020]=0xabcd0100 m32[0x20024]=0xabcd0001 m32[0x20028]=0x5555fffe m32[0x2002c]=1 flags[0x8d5]=0x4
#define SAVEF(a) setc a; setz a+1; sets a+2; seto a+3
  mul %bl                     /* 0x80 * 2 = 0x100: AH != 0 */
  SAVEF(0x20010)
  mov %eax, 0x20020
  mov $0xffff, %ax
  mul %cx                     /* 0xffff * 0xffff = 0xfffe0001 */
  SAVEF(0x20014)
  mov %eax, 0x20024
  mov %edx, 0x20028
  mov %esi, %eax
  mul %esi                    /* 2^32: EDX=1, EAX=0 */
  SAVEF(0x20018)
  mov %edx, 0x2002c
  mov $3, %eax
  mull 0x20000                /* 15: fits, PF */
  hlt
