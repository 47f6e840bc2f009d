//@ expect: exc=13 err=0 eip=0x10005
/* An MSR the model does not have: #GP(0). */
  mov $0x12345, %ecx
  rdmsr
  hlt
