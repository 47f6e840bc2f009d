// IDIV with a positive quotient one past the signed range: 32768 / 1 as a word is #DE.
//@ init: eax=0x8000 edx=0 ecx=1 eflags=0x8d7
//@ expect: exc=0 eip=0x10000 eax=0x8000 edx=0 flags[0x8d5]=0x8d5
  idiv %cx
  hlt
