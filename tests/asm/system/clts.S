//@ expect: cr0=0x11 eax=0x19
/* CLTS clears CR0.TS. */
  mov $0x19, %eax
  mov %eax, %cr0
  clts
  hlt
