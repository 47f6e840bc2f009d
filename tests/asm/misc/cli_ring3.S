/* Without PVI, CLI at CPL 3 with IOPL 0 is #GP(0) at the instruction. */
//@ mode: ring3
//@ init: eflags=0x202
//@ expect: exc=13 err=0 eflags=0x202 eip=0x10001
  nop
  cli
  hlt
