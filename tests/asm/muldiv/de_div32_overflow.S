// 32-bit DIV with EDX >= divisor: the quotient needs more than 32 bits.
//@ init: eax=0 edx=0x10 esi=0x10
//@ expect: exc=0 eip=0x10000 eax=0 edx=0x10
  div %esi
  hlt
