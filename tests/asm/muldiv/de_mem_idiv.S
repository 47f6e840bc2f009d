// IDIV by a memory operand that overflows: -129 / 1 does not fit a byte.
//@ init: eax=0xff7f m32[0x20000]=1
//@ expect: exc=0 eip=0x10000 eax=0xff7f
  idivb 0x20000
  hlt
