//@ init: edx=0
//@ expect: exc=1 eip=0x1000e dr6=0xffff4ff0 ecx=1 edx=0 flags[0x100]=0x100
/* Single step: the POPF that sets TF is not followed by a trap; the instruction after it
   is, with DR6.BS. */
  pushf
  orl $0x100, (%esp)
  popf
  mov $1, %ecx                     /* 0x10009: runs with TF=1, traps after */
  mov $1, %edx
  hlt
