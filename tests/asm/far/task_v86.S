/* JMP to a TSS whose EFLAGS has VM set starts a virtual-8086 task; its INT n goes to ring 0
   on the stack given by the new TSS's SS0:ESP0. */
//@ deliver: guest
//@ expect: cpl=0 esp=0x8ffdc m16[0x20010]=0x66 m32[0x8ffdc]=0 m32[0x8ffe0]=0x1000
//@ expect: m32[0x8ffe4]=0x23002 m32[0x8ffe8]=0xfff0 m32[0x8ffec]=0x7000 m32[0x8fff4]=0x2000
//@ expect: m8[0x1045]=0x8b m8[0x103d]=0x89
#include "harness.inc"
#include "far/prot.inc"
base:
  seg_desc 0x40, 0x4000, 0x67, 0x89, 0
  tss32 0x4000, v86code-base, 0xfff0, 0x1000, 0
  movl $0x90000, 0x4004                /* ESP0 */
  movl $SEL_DATA32, 0x4008             /* SS0 */
  movl $0x23002, 0x4024                /* EFLAGS: VM, IOPL 3 */
  movl $0x7000, 0x4050                 /* SS */
  movl $0x2000, 0x4054                 /* DS */
  idt_gate 0x30, handler, SEL_CODE32, 0xee
  ljmp $0x40, $0
  hlt
  .code16
v86code:
  mov $0x66, %ax
  mov %ax, 0x10
  int $0x30
after:
  .code32
handler:
  subl $(after - base), (%esp)
  hlt
