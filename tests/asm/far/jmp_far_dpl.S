/* Far JMP from ring 3 straight to the ring-0 code segment: #GP(0x08), nothing changes. */
//@ mode: ring3
//@ expect: exc=13 err=0x08 eip=0x10000 cpl=3 cs=0x1b
  ljmp $0x08, $0x10000
