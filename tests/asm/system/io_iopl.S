//@ mode: ring3
//@ init: eflags=0x3002
//@ expect: exc=13 eip=0x10004 eax=0
/* With IOPL 3, CPL 3 may use any port (0xe9 is the debug console; port 0x81 reads as 0 from
   nothing... any byte). */
  out %al, $0xe9
  xor %eax, %eax
  hlt
