//@ mode: ring3
//@ expect: exc=13 err=0 eip=0x10000
  mov %dr7, %eax
  hlt
