/* A task switch loads the new task's LDTR before its segment registers, so DS may name an
   LDT descriptor. */
//@ expect: eax=0x1111 m32[0x20000]=0xabcd m16[0x4054]=0x0c m8[0x500d]=0x93 m8[0x1055]=0x82
#include "harness.inc"
#include "far/prot.inc"
  seg_desc 0x40, 0x4000, 0x67, 0x89, 0
  seg_desc 0x50, 0x5000, 0xf, 0x82, 0                  /* the LDT, at 0x5000 */
  seg_desc 0x5008-GDT_BASE, SCRATCH, 0xffff, 0x92, 0x4  /* LDT entry 1: data at SCRATCH */
  tss32 0x4000, task2, 0x60000, SEL_CODE32, SEL_DATA32
  movl $0x50, 0x4060                                   /* LDT selector */
  movl $0x0c, 0x4054                                   /* DS: LDT entry 1 */
  mov $0x1111, %eax
  ljmp $0x40, $0
  hlt
task2:
  movl $0xabcd, 0
  ljmp $SEL_TSS, $0
