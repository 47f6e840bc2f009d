//@ expect: exc=13 err=0 eip=0x1000c
/* EFER has only NXE on this model: setting LME is #GP(0). */
  mov $0xc0000080, %ecx
  mov $0x100, %eax
  xor %edx, %edx
  wrmsr
  hlt
