/* Far JMP to the null selector: #GP(0). */
//@ expect: exc=13 err=0 eip=0x10000 cs=0x08
  ljmp $0, $0x10000
