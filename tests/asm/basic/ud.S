//@ expect: exc=6 eip=0x10002
  nop
  nop
  .byte 0x0f, 0xff             /* UD0 on a P6: #UD */
  hlt
