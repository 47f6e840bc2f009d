/* Real mode: POPF (16-bit by default) changes IOPL and NT as at CPL 0; POPFD changes AC
   and ID but never VM or RF. */
//@ mode: real
//@ init: eflags=0x2
//@ expect: m16[0x500]=0x7ed7 m32[0x504]=0x247ed7 eflags=0x2
  .code16
  push $0xfeff
  popf
  pushf
  popw 0x500
  pushl $0xfffffeff
  popfl
  pushfl
  popl 0x504
  pushl $0
  popfl
  hlt
