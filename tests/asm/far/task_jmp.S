/* JMP to a TSS descriptor: the old task's state goes to its TSS, its busy bit is cleared, the
   new task's registers come from the TSS at 0x4000 (NT stays clear for JMP), CR0.TS is set.
   JMP back to the first TSS resumes after the first JMP with the saved registers. */
//@ expect: eax=0x1111 ebx=0x1111 ecx=0 edx=0 esi=0x60000 edi=0x89 ebp=0x8b cr0=0x19
//@ expect: m8[0x103d]=0x8b m8[0x1045]=0x89 m32[0x4028]=0x2222 m32[0x3038]=0x8fff0
#include "harness.inc"
#include "far/prot.inc"
  seg_desc 0x40, 0x4000, 0x67, 0x89, 0
  tss32 0x4000, task2, 0x60000, SEL_CODE32, SEL_DATA32
  mov $0x1111, %eax
  ljmp $0x40, $0
back:
  mov SCRATCH, %ebx
  mov SCRATCH + 4, %ecx
  mov SCRATCH + 8, %edx
  add SCRATCH + 20, %edx
  mov SCRATCH + 12, %esi
  movzbl SCRATCH + 16, %edi
  movzbl SCRATCH + 17, %ebp
  hlt

task2:
  mov 0x3028, %ebx             /* old task's saved EAX */
  mov %ebx, SCRATCH
  mov %eax, SCRATCH + 4        /* from the new TSS: 0 */
  pushf
  pop %ecx
  and $0x4000, %ecx
  mov %ecx, SCRATCH + 8
  mov 0x3020, %edx             /* old task's saved EIP */
  sub $back, %edx
  mov %edx, SCRATCH + 20
  mov %esp, SCRATCH + 12
  mov 0x103d, %cl              /* old TSS descriptor: available again */
  mov %cl, SCRATCH + 16
  mov 0x1045, %cl              /* new one: busy */
  mov %cl, SCRATCH + 17
  mov $0x2222, %eax
  ljmp $SEL_TSS, $0
