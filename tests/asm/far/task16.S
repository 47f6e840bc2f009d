/* JMP to a 16-bit TSS: IP, FLAGS, the general registers (upper halves read as ones), ES, CS,
   SS, DS come from it; FS and GS become null. JMP back to the 32-bit TSS saves the 16-bit
   task's state in its TSS and clears its busy bit. */
//@ expect: eax=0x11111111 m32[0x20000]=0xffff1234 m16[0x20004]=0x8000 m16[0x20006]=0
//@ expect: m16[0x4018]=0x5678 m16[0x4024]=0x40 m8[0x104d]=0x81 m8[0x103d]=0x8b
#include "harness.inc"
#include "far/prot.inc"
base:
  seg_desc 0x40, 0x10000, 0xffff, 0x9a, 0       /* 16-bit code at the load address */
  seg_desc 0x48, 0x4000, 0x2b, 0x81, 0          /* 16-bit TSS */
  seg_desc 0x50, SCRATCH, 0xffff, 0x92, 0       /* 16-bit data at SCRATCH */
  movl $(task - base), 0x400e                   /* IP; FLAGS 0 then 2 */
  movw $2, 0x4010
  movw $0x1234, 0x4012                          /* AX */
  movw $0x8000, 0x401a                          /* SP */
  movw $0x50, 0x4022                            /* ES */
  movw $0x40, 0x4024                            /* CS */
  movw $0x50, 0x4026                            /* SS */
  movw $0x50, 0x4028                            /* DS */
  movw $0, 0x402a                               /* LDT */
  mov $SEL_DATA32, %eax
  mov %ax, %fs
  mov $0x11111111, %eax
  ljmp $0x48, $0
  hlt

  .code16
task:
  movl %eax, 0
  movw %sp, 4
  movw %fs, 6
  mov $0x5678, %bx
  ljmp $0x38, $0
  .code32
