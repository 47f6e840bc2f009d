//@ mode: ring3
//@ expect: exc=13 err=0 eip=0x10010 m16[0x20000]=0xff m32[0x20002]=0x1000
/* SGDT is not privileged (no UMIP on P6); LGDT is. */
  sgdt 0x20000
  .org 0x10, 0x90
  lgdt 0x20100
  hlt
