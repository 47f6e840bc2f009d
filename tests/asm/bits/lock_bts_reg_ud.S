// LOCK BTS with a register destination is #UD.
//@ init: eax=1 ebx=0
//@ expect: exc=6 eip=0x10000 ebx=0
  .byte 0xf0, 0x0f, 0xab, 0xc3     /* lock bts %eax, %ebx */
  hlt
