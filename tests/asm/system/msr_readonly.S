//@ expect: exc=13 err=0 eip=0x10009
/* IA32_MTRRCAP is read-only: WRMSR to it is #GP(0). */
  mov $0xfe, %ecx
  xor %eax, %eax
  xor %edx, %edx
  wrmsr
  hlt
