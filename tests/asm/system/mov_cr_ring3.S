//@ mode: ring3
//@ expect: exc=13 err=0 eip=0x10000
/* MOV from a control register is privileged too. */
  mov %cr0, %eax
  hlt
