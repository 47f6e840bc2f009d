// LOCK on a register destination is #UD, with nothing changed.
//@ init: eax=1 ebx=2
//@ expect: exc=6 eip=0x10000 eax=1 ebx=2
  .byte 0xf0, 0x01, 0xc3      /* lock add %eax, %ebx */
  hlt
