//@ expect: exc=6 eip=0x1000b
/* With CR4.DE, DR4 and DR5 are #UD. */
  mov $0x8, %eax
  mov %eax, %cr4
  mov %dr6, %eax
  .byte 0x0f, 0x21, 0xe0          /* mov %dr4, %eax */
  hlt
