// One-operand IMUL: signed product in AX, DX:AX, EDX:EAX; CF = OF = the product does not fit
// the lower half.
//@ init: eax=0xff ebx=0xff02 ecx=0x8000 edx=0 esi=0x80000000 m32[0x20000]=5
//@ expect: eax=0xfffffff1 edx=0xffffffff m32[0x20010]=0x00010000 m32[0x20014]=0x01010001 m32[0x20018]=0x01000101 m32[0x2001c]=0x01010001 m32[0x20020]=0xfffe m32[0x20024]=0x80 m32[0x20028]=0x4000 m32[0x2002c]=0 m32[0x20030]=0x80000000 flags[0x8d5]=0x80
#define SAVEF(a) setc a; setz a+1; sets a+2; seto a+3
  imul %bl                    /* -1 * 2 = -2: fits */
  SAVEF(0x20010)
  mov %eax, 0x20020
  mov $0x80, %al
  imul %bh                    /* -128 * -1 = 128: does not fit a byte */
  SAVEF(0x20014)
  mov %eax, 0x20024
  mov $0x8000, %ax
  imul %cx                    /* -32768 * -32768 = 0x40000000 */
  SAVEF(0x20018)
  mov %edx, 0x20028
  mov $-1, %eax
  imul %esi                   /* -1 * -2^31 = 2^31: does not fit */
  SAVEF(0x2001c)
  mov %edx, 0x2002c
  mov %eax, 0x20030
  mov $-3, %eax
  imull 0x20000               /* -15: fits, SF */
  hlt
