//@ expect: exc=13 err=0 eip=0x10005 cr4=0
/* Setting a reserved CR4 bit (OSFXSR: this model has no FXSAVE) is #GP(0). */
  mov $0x200, %eax
  mov %eax, %cr4
  hlt
