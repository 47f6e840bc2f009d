/* MOV CS, r/m is #UD. */
//@ expect: exc=6 eip=0x10000 cs=0x8
  .byte 0x8e, 0xc8
  hlt
