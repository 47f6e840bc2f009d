// AAD: AL = AH * base + AL (mod 256), AH = 0; flags as a logic result on AL.
//@ init: eax=0x55660603 eflags=0x8d7
//@ expect: eax=0x55660003 m16[0x20020]=0x003f m16[0x20022]=0x00ab m16[0x20024]=0x0012 m8[0x20026]=1 flags[0x8d5]=0x4
  aad                         /* 6 * 10 + 3 = 63 */
  mov %ax, 0x20020
  mov $0x0a0b, %ax
  aad $16                     /* 0xab */
  mov %ax, 0x20022
  sets 0x20026
  mov $0xff12, %ax
  aad $0                      /* base 0: AL kept, AH cleared */
  mov %ax, 0x20024
  mov $0x1909, %ax
  aad                         /* 259 mod 256 = 3 */
  hlt
