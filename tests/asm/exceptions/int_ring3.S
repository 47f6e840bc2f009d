/* INT n from ring 3 through a DPL-3 interrupt gate: the stack switches to SS0:ESP0 of the TSS
   and SS, ESP, EFLAGS, CS, EIP are pushed there; IF is cleared. IRET goes back to ring 3 with
   the old stack and IF; a second INT reaches a handler that halts. */
//@ mode: ring3
//@ deliver: guest
//@ init: eflags=0x202
//@ expect: cpl=0 cs=0x08 ss=0x10 esp=0x8ffec flags[0x200]=0 edi=0x1234
//@ expect: m32[0x20000]=0 m32[0x20004]=0x1b m32[0x20008]=0x202 m32[0x2000c]=0x7fff0
//@ expect: m32[0x20010]=0x23 m32[0x20014]=0x8ffec m32[0x20018]=0x46 m32[0x2001c]=0x10
//@ expect: m32[0x20020]=0x7fff0 m32[0x20024]=0x23 m32[0x20028]=0x1b m32[0x2002c]=0x202
#include "harness.inc"
#include "far/prot.inc"
  idt_gate 0x30, handler1, SEL_CODE32, 0xee
  idt_gate 0x31, handler2, SEL_CODE32, 0xee
  int $0x30
after1:
  mov %eax, %edi
  mov %esp, SCRATCH + 0x20
  mov %ss, SCRATCH + 0x24
  mov %cs, SCRATCH + 0x28
  pushf
  popl SCRATCH + 0x2c
  int $0x31

handler1:
  mov (%esp), %eax
  sub $after1, %eax
  mov %eax, SCRATCH
  mov 4(%esp), %eax
  mov %eax, SCRATCH + 4
  mov 8(%esp), %eax
  mov %eax, SCRATCH + 8
  mov 12(%esp), %eax
  mov %eax, SCRATCH + 12
  mov 16(%esp), %eax
  mov %eax, SCRATCH + 16
  mov %esp, SCRATCH + 20
  pushf
  popl SCRATCH + 24
  mov %ss, SCRATCH + 28
  mov $0x1234, %eax
  iret

handler2:
  hlt
