/* The IOPL that POPF could not change still guards CLI at CPL 3. */
//@ mode: ring3
//@ init: eflags=0x202
//@ expect: exc=13 err=0 eflags=0x202
  pushl $0x3000
  popf
  cli
  hlt
