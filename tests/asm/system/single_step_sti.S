//@ expect: exc=1 eip=0x1000a dr6=0xffff4ff0 flags[0x200]=0x200
/* STI holds off interrupts for one instruction but not debug traps: with TF=1 the single
   step traps right after STI. */
  pushf
  orl $0x100, (%esp)
  popf
  sti                              /* 0x10009: traps after */
  nop
  hlt
