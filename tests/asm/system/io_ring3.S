//@ mode: ring3
//@ expect: exc=13 err=0 eip=0x10000
/* The runner's TSS has no I/O bitmap: port I/O at CPL 3 with IOPL 0 is #GP(0). */
  out %al, $0x80
  hlt
