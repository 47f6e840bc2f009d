//@ expect: exc=13 err=0 eip=0x1000c
/* PAT entries must hold a valid memory type: 2 is reserved. */
  mov $0x277, %ecx
  mov $0x02, %eax
  xor %edx, %edx
  wrmsr
  hlt
