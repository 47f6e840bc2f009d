//@ mode: real
//@ expect: exc=13 err=0 eip=0x20
/* SYSENTER in real mode: #GP(0). */
  .code16
  mov $0x174, %ecx
  mov $0x8, %eax
  xor %edx, %edx
  wrmsr
  .org 0x20, 0x90
  sysenter
  hlt
