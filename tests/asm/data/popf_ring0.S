/* POPF at CPL 0 changes every flag but VM, RF, VIF and VIP (RF ends clear); reserved bits
   stay clear and bit 1 set. PUSHF images have VM and RF clear. 16-bit forms touch bits
   0..15 only. */
//@ init: eflags=0x2
//@ expect: m32[0x20000]=0x247ed7 m32[0x20004]=0x2 m16[0x20008]=0x7ed7 m16[0x2000a]=0x5555
//@ expect: m32[0x2000c]=0x247ed7 eflags=0x240002
  pushl $0xfffffeff          /* everything but TF */
  popf
  pushf
  popl 0x20000
  pushl $0
  popf
  pushf
  popl 0x20004
  pushl $0x240000
  popf
  pushw $0xfeff              /* 16-bit POPF: IF DF OF IOPL NT and the arithmetic flags */
  popfw
  movw $0x5555, 0x2000a
  pushfw
  popw 0x20008
  pushf
  popl 0x2000c
  pushw $0
  popfw                      /* AC and ID stay */
  hlt
