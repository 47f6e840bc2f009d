//@ expect: eax=0x11 ecx=0x11
/* MOV CR ignores the ModRM mod field: 0F 20 00 reads CR0 into EAX like 0F 20 C0. */
  .byte 0x0f, 0x20, 0x00
  .byte 0x0f, 0x20, 0xc1
  hlt
