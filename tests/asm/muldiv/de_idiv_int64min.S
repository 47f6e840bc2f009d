// IDIV EDX:EAX = -2^63 by -1: #DE (the widest dividend there is).
//@ init: eax=0 edx=0x80000000 ebx=0xffffffff
//@ expect: exc=0 eip=0x10000 eax=0 edx=0x80000000
  idiv %ebx
  hlt
