/* BOUND with a register operand is #UD. */
//@ expect: exc=6 eip=0x10000
  .byte 0x62, 0xc0
  hlt
