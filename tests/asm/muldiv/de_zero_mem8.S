// DIV by a zero byte in memory.
//@ init: eax=0x1234 m32[0x20000]=0x100
//@ expect: exc=0 eip=0x10000 eax=0x1234
  divb 0x20000
  hlt
