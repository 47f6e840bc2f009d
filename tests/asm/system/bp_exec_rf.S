//@ deliver: guest
//@ expect: esi=1 edi=1 ebx=0xffff0ff1 flags[0x10000]=0
/* The #DB handler sets RF in the EFLAGS image and returns with IRET: the breakpointed
   instruction then runs once without faulting again, and RF is cleared after it. */
#include "harness.inc"
  movl $handler, %eax                /* IDT vector 1: 32-bit interrupt gate, DPL 0 */
  movw %ax, IDT_BASE+8
  movw $SEL_CODE32, IDT_BASE+10
  movw $0x8e00, IDT_BASE+12
  shr $16, %eax
  movw %ax, IDT_BASE+14
  xor %esi, %esi
  xor %edi, %edi
  mov $target, %eax
  mov %eax, %dr0
  mov $1, %eax                       /* L0 */
  mov %eax, %dr7
target:
  inc %edi
  xor %eax, %eax
  mov %eax, %dr7
  hlt
handler:
  inc %esi
  mov %dr6, %ebx
  orl $0x10000, 8(%esp)
  iret
