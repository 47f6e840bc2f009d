//@ mode: ring3
//@ expect: exc=13 err=0 eip=0x10005 cpl=3
/* RDMSR is privileged. */
  mov $0x10, %ecx
  rdmsr
  hlt
