/* PUSH and POP of registers, memory and immediates in both operand sizes; PUSH ESP pushes
   the old value, POP ESP loads the popped value, POP [ESP] addresses with the new ESP. */
//@ expect: m32[0x20000]=0x8fff0 m32[0x20004]=0x11223344 m32[0x20008]=0xffffff80
//@ expect: m16[0x2000c]=0xff80 m32[0x20010]=0x8ffe0 m32[0x20014]=0xbbbbbbbb
//@ expect: m32[0x20018]=0x1234aaaa m32[0x2001c]=0x77 ecx=0x77 esp=0x8fff0
  push %esp
  popl 0x20000               /* 0x8fff0 */
  pushl $0x11223344
  popl 0x20004
  push $-128
  popl 0x20008               /* the imm8 sign-extended */
  pushw $-128
  popw 0x2000c
  mov %esp, %ebx
  pushl $0x8ffe0
  pop %esp                   /* ESP = the popped value */
  mov %esp, 0x20010
  mov %ebx, %esp
  pushl $0xaaaaaaaa          /* at 0x8ffec */
  pushl $0xbbbbbbbb          /* at 0x8ffe8 */
  popl (%esp)                /* ESP becomes 0x8ffec first: the value lands there */
  popl 0x20014
  mov $0x5555aaaa, %eax
  pushw %ax
  mov $0x12340000, %eax
  popw %ax                   /* the upper half stays */
  mov %eax, 0x20018
  pushl $0x77
  pushl (%esp)               /* the address uses the old ESP */
  popl 0x2001c
  pop %ecx
  hlt
