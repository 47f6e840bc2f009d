// AAM with base 0 is #DE; AX is unchanged.
//@ init: eax=0x1234 eflags=0x8d7
//@ expect: exc=0 eip=0x10001 eax=0x1234 flags[0x8d5]=0x8d5
  nop
  aam $0
  hlt
