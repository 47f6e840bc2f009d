//@ expect: exc=13 err=0 eip=0x10005 cr0=0x11
/* PG without PE is an invalid combination: #GP(0). */
  mov $0x80000010, %eax
  mov %eax, %cr0
  hlt
