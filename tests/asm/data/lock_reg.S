/* LOCK on a register-only XCHG is #UD. */
//@ expect: exc=6 eip=0x10000
  .byte 0xf0, 0x87, 0xc8
  hlt
