//@ mode: ring3
//@ expect: exc=13 err=0 eip=0x10000
/* INVLPG at CPL 3: #GP(0). */
  invlpg 0x20000
  hlt
