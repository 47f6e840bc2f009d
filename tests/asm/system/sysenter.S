//@ expect: cs=0x08 ss=0x10 cpl=0 esp=0x60000 eip=0x10061 ebx=0x7fff0 flags[0x200]=0
//@ expect: m32[0x20000]=0x1b m32[0x20004]=0x23
/* SYSEXIT to ring 3 (CS = SYSENTER_CS+16 | 3, SS = +24 | 3, EIP = EDX, ESP = ECX), then
   SYSENTER back to ring 0 (CS = SYSENTER_CS, SS = +8, ESP and EIP from the MSRs, IF cleared). */
#include "harness.inc"
#define WR(msr, lo) mov $msr, %ecx; mov $lo, %eax; xor %edx, %edx; wrmsr
  WR(0x174, SEL_CODE32)
  WR(0x175, 0x60000)
  WR(0x176, kernel)
  mov $user, %edx
  mov $0x7fff0, %ecx
  sysexit
user:
  mov %cs, %eax
  mov %eax, SCRATCH
  mov %ss, %eax
  mov %eax, SCRATCH+4
  mov %esp, %ebx
  sysenter
  .org 0x60, 0x90
kernel:
  hlt
