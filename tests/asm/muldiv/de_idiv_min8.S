// IDIV AX=-32768 by -1 (byte): #DE.
//@ init: eax=0x8000 ebx=0xff
//@ expect: exc=0 eip=0x10000 eax=0x8000
  idiv %bl
  hlt
