// IDIV DX:AX=-2^31 by -1 (word): #DE.
//@ init: eax=0 edx=0x8000 ecx=0xffff
//@ expect: exc=0 eip=0x10000 eax=0 edx=0x8000
  idiv %cx
  hlt
