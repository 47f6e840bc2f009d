/* CALL to a TSS nests: the new task runs with NT set and the caller's selector in its back
   link. Its IRET returns to the caller (the new task's busy bit cleared, NT clear in its saved
   EFLAGS), which continues after the CALL with its registers. */
//@ expect: eax=0x1111 ebx=0x4002 ecx=0x38 edx=0x8b esi=0 m8[0x1045]=0x89 m8[0x103d]=0x8b
//@ expect: m32[0x4024]=0x2 flags[0x4000]=0
#include "harness.inc"
#include "far/prot.inc"
  seg_desc 0x40, 0x4000, 0x67, 0x89, 0
  tss32 0x4000, task2, 0x60000, SEL_CODE32, SEL_DATA32
  mov $0x1111, %eax
  lcall $0x40, $0
  mov SCRATCH, %ebx
  mov SCRATCH + 4, %ecx
  movzbl SCRATCH + 8, %edx
  mov SCRATCH + 12, %esi
  hlt

task2:
  pushf
  pop %ebx
  mov %ebx, SCRATCH
  mov 0x4000, %ecx
  mov %ecx, SCRATCH + 4
  mov 0x1045, %dl
  mov %dl, SCRATCH + 8
  mov %eax, SCRATCH + 12
  pushl $0x4002
  popf
  iret
