/* POPF at CPL 3 with IOPL 0: IF and IOPL keep their values, no fault. */
//@ mode: ring3
//@ init: eflags=0x202
//@ expect: m32[0x20000]=0x244ed7 m32[0x20004]=0x202 eflags=0x202 cpl=3
//@ expect: exc=13 err=0 eip=0x10017
/* HLT at CPL 3 ends the test with #GP(0). */
  pushl $0x003ffcff          /* IF clear, IOPL 3, the rest set (but TF) */
  popf
  pushf
  popl 0x20000
  pushl $0
  popf
  pushf
  popl 0x20004
  hlt
