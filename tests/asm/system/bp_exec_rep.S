//@ deliver: guest
//@ expect: esi=1 ecx=0 edi=0x22000 m8[0x21fff]=0x5a
/* An instruction breakpoint on a long REP STOSB fires once: the instruction's later
   iterations (which pvlab may run as several steps from the same EIP) do not fire again. */
#include "harness.inc"
  movl $handler, %eax                /* IDT vector 1: 32-bit interrupt gate, DPL 0 */
  movw %ax, IDT_BASE+8
  movw $SEL_CODE32, IDT_BASE+10
  movw $0x8e00, IDT_BASE+12
  shr $16, %eax
  movw %ax, IDT_BASE+14
  xor %esi, %esi
  mov $target, %eax
  mov %eax, %dr0
  mov $1, %eax                       /* L0 */
  mov %eax, %dr7
  mov $0x20000, %edi
  mov $0x2000, %ecx
  mov $0x5a, %al
  cld
target:
  rep stosb
  xor %eax, %eax
  mov %eax, %dr7
  hlt
handler:
  inc %esi
  orl $0x10000, 8(%esp)
  iret
