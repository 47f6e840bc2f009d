/* INT n through a task gate: a nested task switch without an error code; IRET returns. */
//@ deliver: guest
//@ init: eflags=0x202
//@ expect: eax=0x1111 ebx=0x4002 ecx=0x38 esi=0x60000 m8[0x1045]=0x89 m32[0x2000c]=0x202
#include "harness.inc"
#include "far/prot.inc"
  seg_desc 0x40, 0x4000, 0x67, 0x89, 0
  tss32 0x4000, task2, 0x60000, SEL_CODE32, SEL_DATA32
  idt_task_gate 0x50, 0x40, 0x85
  mov $0x1111, %eax
  int $0x50
  mov SCRATCH, %ebx
  mov SCRATCH + 4, %ecx
  mov SCRATCH + 8, %esi
  pushf
  popl SCRATCH + 12
  cli
  hlt

task2:
  pushf
  popl SCRATCH
  mov 0x4000, %ecx
  mov %ecx, SCRATCH + 4
  mov %esp, SCRATCH + 8
  iret
