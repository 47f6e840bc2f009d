//@ expect: m32[0x20000]=0x08 m32[0x20004]=0x12345678 m32[0x20008]=0x9abcdef0
//@ expect: m32[0x20010]=0x00070106 m32[0x20014]=0x00070406 m32[0x20018]=0x800
//@ expect: m32[0x2001c]=0x0 m32[0x20020]=0x33 m32[0x20024]=0xfee00900 m32[0x20028]=0xc06
//@ expect: m32[0x2002c]=0x1 m32[0x20030]=0xffffffff m32[0x20034]=0xff m32[0x20038]=0x00070106
/* WRMSR then RDMSR: SYSENTER_CS/ESP/EIP, PAT, EFER.NXE, BIOS_SIGN_ID (CPUID leaf 1 latches
   the microcode revision), APIC_BASE, MTRR_DEF_TYPE, MISC_ENABLE, PERFCTR0 (bits 32-39 copy
   bit 31 on write), and the upper half of PAT. */
#include "harness.inc"
#define WR(msr, lo, hi) mov $msr, %ecx; mov $lo, %eax; mov $hi, %edx; wrmsr
#define RD(msr, where) mov $msr, %ecx; rdmsr; mov %eax, where
  WR(0x174, 0x08, 0)
  WR(0x175, 0x12345678, 0)
  WR(0x176, 0x9abcdef0, 0)
  WR(0x277, 0x00070106, 0x00070406)
  WR(0xc0000080, 0x800, 0)
  RD(0x174, SCRATCH)
  RD(0x175, SCRATCH+4)
  RD(0x176, SCRATCH+8)
  RD(0x277, SCRATCH+0x10)
  mov %edx, SCRATCH+0x14
  RD(0xc0000080, SCRATCH+0x18)
  WR(0x8b, 0, 0)
  RD(0x8b, SCRATCH+0x1c)
  mov $1, %eax
  cpuid
  mov $0x8b, %ecx
  rdmsr
  mov %edx, SCRATCH+0x20
  RD(0x1b, SCRATCH+0x24)
  WR(0x2ff, 0xc06, 0)
  RD(0x2ff, SCRATCH+0x28)
  RD(0x1a0, SCRATCH+0x2c)
  WR(0xc1, 0x80000000, 0)
  mov $0xc1, %ecx
  rdmsr
  mov %edx, SCRATCH+0x34
  WR(0xc1, 0xffffffff, 0)
  RD(0xc1, SCRATCH+0x30)
  RD(0x277, SCRATCH+0x38)
  hlt
