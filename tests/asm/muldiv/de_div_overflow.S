// DIV whose quotient does not fit the destination: #DE, nothing written.
//@ init: eax=0x64 ecx=0x10
//@ expect: exc=0 eip=0x10006 eax=0x1000
  div %cl                     /* 100 / 16 = 6 r 4: fine */
  mov $0x1000, %ax
  div %cl                     /* 0x1000 / 0x10 = 0x100: too big for AL */
  hlt
