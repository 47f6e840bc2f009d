//@ mode: ring3
//@ expect: exc=13 err=0 cpl=3 ecx=1 eip=0x10010
/* Without CR4.TSD, RDTSC works at CPL 3 (the HLT after it is what faults). */
  rdtsc
  mov $1, %ecx
  .org 0x10, 0x90
  hlt
