// IDIV -2^31 / -1: the quotient 2^31 does not fit; #DE.
//@ init: eax=0x80000000 edx=0xffffffff ebx=0xffffffff
//@ expect: exc=0 eip=0x10000 eax=0x80000000 edx=0xffffffff
  idiv %ebx
  hlt
