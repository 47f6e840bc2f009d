/* #GP through a task gate in the IDT: a task switch (nested: NT set, back link) to the TSS at
   0x4000, with the error code pushed on the new task's stack. The handler task moves the
   saved EIP of the faulting task past the fault and returns with IRET, which clears its busy
   bit and resumes the old task. */
//@ deliver: guest
//@ expect: ebx=0x100 ecx=0x38 edx=0x4000 esi=0x5fffc edi=0xaa cr0=0x19
//@ expect: m8[0x103d]=0x8b m8[0x1045]=0x89 m32[0x4024]=0x6 m32[0x3028]=0x100 ds=0x10
#include "harness.inc"
#include "far/prot.inc"
  seg_desc 0x40, 0x4000, 0x67, 0x89, 0
  tss32 0x4000, gp_task, 0x60000, SEL_CODE32, SEL_DATA32
  idt_task_gate 13, 0x40, 0x85
  mov $0x100, %eax
  mov $0xaa, %edi
  mov %ax, %ds
after:
  mov SCRATCH, %ebx
  mov SCRATCH + 4, %ecx
  mov SCRATCH + 8, %edx
  mov SCRATCH + 12, %esi
  hlt

gp_task:
  mov %esp, SCRATCH + 12
  pop %eax                     /* the error code */
  mov %eax, SCRATCH
  mov 0x4000, %eax             /* back link */
  mov %eax, SCRATCH + 4
  pushf
  pop %eax
  and $0x4000, %eax            /* NT */
  mov %eax, SCRATCH + 8
  movl $after, 0x3020           /* the faulting task's saved EIP */
  iret
