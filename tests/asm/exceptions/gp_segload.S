/* MOV DS with a selector beyond the GDT limit: #GP(0x100) through an interrupt gate at ring 0.
   The frame holds the error code, the faulting EIP, CS and EFLAGS (with RF set, as for every
   fault); DS is unchanged. */
//@ deliver: guest
//@ expect: ebx=0x100 ecx=0 edx=0x08 esi=0x10002 esp=0x8fff0 ds=0x10 cpl=0
#include "harness.inc"
#include "far/prot.inc"
  idt_gate 13, gp_handler, SEL_CODE32, 0x8e
  mov $0x100, %eax
fault:
  mov %ax, %ds
  hlt

gp_handler:
  pop %ebx
  pop %ecx
  sub $fault, %ecx
  pop %edx
  pop %esi
  hlt
