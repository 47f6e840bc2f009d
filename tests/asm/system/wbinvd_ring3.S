//@ mode: ring3
//@ expect: exc=13 err=0 eip=0x10000
  wbinvd
  hlt
