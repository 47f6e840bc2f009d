/* PUSH of a segment register: a 32-bit push writes the selector zero-extended (as the
   reference CPU does), a 16-bit push two bytes. POP of a segment register loads it. */
#include "harness.inc"
//@ init: m32[0x8ffec]=0xdeadbeef m32[0x8ffe8]=0xdeadbeef
//@ expect: m32[0x8ffec]=0x10 m32[0x8ffe8]=0x0030beef m32[0x20000]=0x0008 m32[0x20004]=0x10
//@ expect: ds=0x30 es=0x10 fs=0x30 gs=0x10 ss=0x10 esp=0x8fff0
  push %ds                   /* 0x8ffec: 0x00000010 */
  mov $SEL_DATA16, %ax
  mov %ax, %fs
  pushw %fs                  /* 0x8ffea: 0x0030 */
  popw %ds                   /* DS = 0x30 */
  pop %es                    /* ES = 0x10 */
  push %cs
  popl %es:0x20000
  sub $2, %esp
  pushw %fs
  add $4, %esp
  push %ss
  pop %gs
  push %ss
  pop %ss
  mov %ss, %es:0x20004
  hlt
