// CMP never writes its destination: LOCK CMP is #UD.
//@ init: eax=1
//@ expect: exc=6 eip=0x10002
  nop
  nop
  .byte 0xf0, 0x39, 0x05, 0x00, 0x00, 0x02, 0x00   /* lock cmp %eax, 0x20000 */
  hlt
