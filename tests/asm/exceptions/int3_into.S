/* INT3 and INTO are traps: the pushed EIP is the next instruction. INTO with OF clear does
   nothing. A trap gate keeps IF. */
//@ deliver: guest
//@ init: eflags=0x202
//@ expect: ebx=0 ecx=0 edx=0x202 esi=0x202 edi=1 esp=0x8fff0 flags[0x200]=0
#include "harness.inc"
#include "far/prot.inc"
  idt_gate 3, bp_handler, SEL_CODE32, 0x8f
  idt_gate 4, of_handler, SEL_CODE32, 0x8f
  mov $0, %edi
  int3
after_bp:
  into                         /* OF clear: no trap */
  mov $0x7fffffff, %eax
  add $1, %eax                 /* OF set */
  into
after_of:
  cli
  hlt

bp_handler:
  pushf
  pop %edx
  mov (%esp), %ebx
  sub $after_bp, %ebx
  iret

of_handler:
  mov (%esp), %ecx
  sub $after_of, %ecx
  pushf
  pop %esi
  and $0x200, %esi
  or $2, %esi
  inc %edi
  iret
