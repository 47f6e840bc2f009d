//@ expect: exc=6 eip=0x10000
/* CR5-CR7 do not exist: #UD. */
  .byte 0x0f, 0x22, 0xe8            /* mov %eax, %cr5 */
  hlt
