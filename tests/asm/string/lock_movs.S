/* LOCK on a string instruction is #UD. */
//@ expect: exc=6 eip=0x10000
  .byte 0xf0, 0xa4             /* LOCK MOVSB */
  hlt
