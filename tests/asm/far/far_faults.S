/* Far JMP to a busy TSS (the running task's): #GP(selector). */
//@ expect: exc=13 err=0x38 cs=0x08
  ljmp $0x38, $0
