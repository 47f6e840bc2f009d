//@ mode: real
//@ expect: eax=0x60000010 edx=0x10 cr0=0x10
/* MOV CR works in real mode (CPL 0): clear CD and NW. */
  .code16
  mov %cr0, %eax
  mov $0x10, %ebx
  mov %ebx, %cr0
  mov %cr0, %edx
  hlt
