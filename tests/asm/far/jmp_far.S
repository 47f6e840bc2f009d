/* Far JMP: ptr16:32, m16:32, m16:16 (with an operand-size prefix), into a 16-bit code segment
   (based at the load address) and back with ptr16:32 from 16-bit code, and into a conforming
   code segment. */
//@ expect: ebx=4 ecx=0x08 edx=0x40 esi=0x48 m8[0x1045]=0x9b
#include "harness.inc"
#include "far/prot.inc"
  seg_desc 0x40, 0x10000, 0xffff, 0x9a, 0      /* 16-bit code based at 0x10000 */
  seg_desc 0x48, 0, 0xfffff, 0x9e, 0xc         /* conforming 32-bit code, DPL 0 */
  ljmp $SEL_CODE32, $t1
  hlt
t1:
  mov $1, %ebx
  movl $t2, SCRATCH
  movw $SEL_CODE32, SCRATCH + 4
  ljmp *SCRATCH
  hlt
t2:
  mov $2, %ebx
  movl $(t3 - 0x10000), SCRATCH + 8
  movw $0x40, SCRATCH + 10
  ljmpw *SCRATCH + 8
  hlt
  .code16
t3:
  mov %cs, %dx
  mov $3, %bx
  ljmpl $SEL_CODE32, $t4
  .code32
t4:
  ljmp $0x48, $t5
  hlt
t5:
  mov %cs, %esi
  ljmp $SEL_CODE32, $t6
t6:
  mov %cs, %ecx
  mov $4, %ebx
  hlt
