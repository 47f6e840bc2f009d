/* POPF in V86 mode with IOPL < 3 and no VME: #GP(0), SP and the flags unchanged. */
//@ expect: exc=13 err=0 cpl=3 eip=0x27 esp=0xffee eflags=0x21202
  pushl $0
  pushl $0
  pushl $0x2000
  pushl $0
  pushl $0x7000
  pushl $0xfff0
  pushl $0x21202               /* VM, IOPL 1, IF */
  pushl $0x1000
  pushl $(v86code - 0x10000)
  iret

  .code16
v86code:
  pushw $0
  popf
  hlt
