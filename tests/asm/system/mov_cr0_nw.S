//@ expect: exc=13 err=0 eip=0x10005 cr0=0x11
/* NW without CD is an invalid combination: #GP(0). */
  mov $0x20000011, %eax
  mov %eax, %cr0
  hlt
