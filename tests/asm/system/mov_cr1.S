//@ expect: exc=6 eip=0x10000
/* CR1 does not exist: #UD. */
  .byte 0x0f, 0x20, 0xc8            /* mov %cr1, %eax */
  hlt
