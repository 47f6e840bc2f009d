// Byte and word MUL / IMUL with memory and high-byte register operands.
//@ init: eax=0x0000ff03 edx=0 m32[0x20000]=0x00fe0080
//@ expect: eax=0x3f01 edx=0x7f00 m16[0x20010]=0x02fd m16[0x20012]=0x0100 m16[0x20014]=0 m16[0x20016]=1 m16[0x20018]=4 m16[0x2001a]=0x8000 m16[0x2001c]=0 m32[0x20020]=0x00010101 m8[0x20024]=1 flags[0x8d5]=0x801
  mul %ah                     /* 3 * 255 = 0x02fd */
  mov %ax, 0x20010
  setc 0x20020
  mov $2, %ax
  mulb 0x20000                /* 2 * 0x80 = 0x100 */
  mov %ax, 0x20012
  setc 0x20021
  mov $0x200, %ax
  mulw 0x20000                /* 0x200 * 0x80 = 0x10000: DX=1 AX=0 */
  mov %ax, 0x20014
  mov %dx, 0x20016
  setc 0x20022
  mov $-2, %al
  imulb 0x20002               /* -2 * -2 = 4: fits */
  mov %ax, 0x20018
  setc 0x20023
  mov $0x100, %ax
  imulw 0x20000               /* 0x100 * 0x80 = 32768: does not fit a signed word */
  mov %ax, 0x2001a
  mov %dx, 0x2001c
  setc 0x20024
  mov $0x7f, %dh
  mov $0x7f, %al
  imul %dh                    /* 127 * 127 = 0x3f01 */
  hlt
