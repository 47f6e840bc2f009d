// 16-bit code: word forms by default, 66h for the 32-bit ones.
//@ mode: real
//@ init: ebx=7
//@ expect: eax=0 edx=1 ecx=0xfd3a m16[0x500]=142 m16[0x502]=6 flags[0x8d5]=0x845
  .code16
  mov $1000, %ax
  mov $0, %dx
  div %bx                     /* 142 r 6 */
  mov %ax, 0x500
  mov %dx, 0x502
  imul $-5, %ax, %cx          /* -710 */
  mov $0x10000, %eax
  mul %eax                    /* 2^32: EDX=1 EAX=0 */
  hlt
