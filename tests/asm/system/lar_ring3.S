//@ mode: ring3
//@ expect: exc=13 err=0 m8[0x20000]=0 m8[0x20001]=1 m32[0x20004]=0x00c0fb00 m8[0x20008]=1
/* At CPL 3, LAR of a DPL 0 segment fails; DPL 3 and conforming code succeed. */
#include "harness.inc"
  movl $0x0000ffff, GDT_BASE+0x58   /* 0x58: conforming code, DPL 0 */
  movl $0x00cf9f00, GDT_BASE+0x5c
  mov $SEL_CODE32, %edx
  lar %dx, %eax
  setz 0x20000
  mov $SEL_CODE32_3, %edx
  lar %dx, %eax
  setz 0x20001
  mov %eax, 0x20004
  mov $0x5b, %edx                   /* a DPL 0 conforming code segment */
  lsl %dx, %eax
  setz 0x20008
  hlt
