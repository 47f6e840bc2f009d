// DIV at every size, register and memory divisors; flags are left unchanged.
//@ init: eax=0xaaaa0107 ebx=0x10 ecx=3 edx=0xbbbb0000 esi=0x10 eflags=0x8d7 m32[0x20000]=7 m32[0x20004]=33
//@ expect: eax=0x1e edx=0xa m32[0x20010]=0xaaaa0710 m32[0x20014]=0xaaaa5555 m32[0x20018]=0xbbbb0001 m32[0x2001c]=0x10000000 m32[0x20020]=0 m32[0x20024]=14 m32[0x20028]=2 flags[0x8d5]=0x8d5
  div %bl                     /* 263 / 16 = 16 r 7: AX = 0x0710 */
  mov %eax, 0x20010
  mov $0, %ax
  mov $1, %dx
  div %cx                     /* 65536 / 3 = 0x5555 r 1 */
  mov %eax, 0x20014
  mov %edx, 0x20018
  mov $0, %eax
  mov $1, %edx
  div %esi                    /* 2^32 / 16 */
  mov %eax, 0x2001c
  mov %edx, 0x20020
  mov $100, %eax
  mov $0, %edx
  divl 0x20000                /* 100 / 7 = 14 r 2 */
  mov %eax, 0x20024
  mov %edx, 0x20028
  mov $1000, %ax
  mov $0, %dx
  divw 0x20004                /* 1000 / 33 = 30 r 10 */
  hlt
