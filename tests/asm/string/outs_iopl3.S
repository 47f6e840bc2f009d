/* OUTS at CPL 3 is allowed when IOPL is 3. */
//@ mode: ring3
//@ init: esi=0x20000 edx=0xe9 eflags=0x3002 ecx=2
//@ expect: esi=0x20002 ecx=0 exc=13 err=0 eip=0x10002
/* HLT at CPL 3 ends the test with #GP(0). */
  rep outsb
  hlt
