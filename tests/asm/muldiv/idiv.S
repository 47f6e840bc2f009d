// IDIV: the quotient truncates toward zero and the remainder takes the dividend's sign; the
// most negative quotient still fits. Flags are left unchanged.
//@ init: eax=0x1111fff9 ebx=0x0102 ecx=0xfffe edx=0x22220000 esi=7 m32[0x20000]=0xffffffff eflags=0x2
//@ expect: eax=0x80000080 m32[0x20010]=0x1111fffd m32[0x20014]=0x1111fffd m32[0x20018]=0x22220001 m32[0x2001c]=0xfffffff2 m32[0x20020]=0xfffffffe m32[0x20024]=0x80000000 m32[0x20028]=0 flags[0x8d5]=0
  idiv %bl                    /* -7 / 2 = -3 r -1 */
  mov %eax, 0x20010
  mov $7, %ax
  mov $0, %dx
  idiv %cx                    /* 7 / -2 = -3 r 1 */
  mov %eax, 0x20014
  mov %edx, 0x20018
  mov $-100, %eax
  mov $-1, %edx
  idiv %esi                   /* -100 / 7 = -14 r -2 */
  mov %eax, 0x2001c
  mov %edx, 0x20020
  mov $0x80000000, %eax
  mov $0, %edx
  idivl 0x20000               /* 2^31 / -1 = -2^31: fits */
  mov %eax, 0x20024
  mov %edx, 0x20028
  mov $0xff80, %ax
  idiv %bh                    /* -128 / 1 = -128: fits a byte */
  hlt
