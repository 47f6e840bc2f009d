/* LAHF reads SF ZF AF PF CF (bit 1 set, bits 3 and 5 clear); SAHF writes them, OF stays. */
//@ init: eflags=0xcd7
//@ expect: m8[0x20000]=0xd7 m8[0x20001]=0x02 eflags=0xc02 eax=0x0200
  lahf
  mov %ah, 0x20000
  mov $0x28, %ah             /* bits 3 and 5: ignored */
  sahf
  lahf
  mov %ah, 0x20001
  mov $0x0200, %eax
  hlt
