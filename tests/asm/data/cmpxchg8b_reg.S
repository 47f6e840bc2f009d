/* CMPXCHG8B with a register operand is #UD. */
//@ expect: exc=6 eip=0x10000
  .byte 0x0f, 0xc7, 0xc8
  hlt
