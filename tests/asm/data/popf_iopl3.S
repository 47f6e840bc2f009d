/* POPF at CPL 3 with IOPL 3: IF changes, IOPL does not. */
//@ mode: ring3
//@ init: eflags=0x3202
//@ expect: m32[0x20000]=0x3002 m16[0x20004]=0x3202 eflags=0x3202 exc=13 err=0 eip=0x10019
/* HLT at CPL 3 ends the test with #GP(0). */
  pushl $0
  popf                       /* IF cleared, IOPL stays 3 */
  pushf
  popl 0x20000
  pushw $0x0200
  popfw
  pushfw
  popw 0x20004
  hlt
