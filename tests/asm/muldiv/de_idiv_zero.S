// IDIV by zero, word operand.
//@ init: eax=0x1234 ecx=0x50000 edx=0x9999
//@ expect: exc=0 eip=0x10000 eax=0x1234 edx=0x9999
  idiv %cx
  hlt
