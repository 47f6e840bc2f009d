//@ mode: ring3
//@ expect: exc=13 err=0 eip=0x10002
/* Without CR4.PCE, RDPMC at CPL 3 is #GP(0). */
  xor %ecx, %ecx
  rdpmc
  hlt
