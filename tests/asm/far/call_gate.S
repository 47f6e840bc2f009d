/* CALL from ring 3 through a DPL-3 call gate with two dword parameters to ring-0 code: the
   stack switches to SS0:ESP0 with the old SS:ESP, the copied parameters and CS:EIP on it.
   RETF 8 returns to ring 3, pops the parameters from both stacks, and nulls DS, which the
   ring-0 code had loaded with a DPL-0 selector. */
//@ mode: ring3
//@ deliver: guest
//@ expect: cpl=0 ds=0 es=0x23
//@ expect: m32[0x20000]=0x8ffe8 m32[0x20004]=0 m32[0x20008]=0x1b m32[0x2000c]=0x22
//@ expect: m32[0x20010]=0x11 m32[0x20014]=0x7ffe8 m32[0x20018]=0x23 m32[0x2001c]=0x10
//@ expect: m32[0x20020]=0x7fff0 m32[0x20024]=0x1b m32[0x20028]=0
#include "harness.inc"
#include "far/prot.inc"
  call_gate 0x40, ring0_fn, SEL_CODE32, 0xec, 2
  idt_gate 0x31, finish, SEL_CODE32, 0xee
  pushl $0x11
  pushl $0x22
  lcall $0x43, $0
back:
  mov %esp, %es:SCRATCH + 0x20
  mov %cs, %es:SCRATCH + 0x24
  mov %ds, %es:SCRATCH + 0x28
  int $0x31

ring0_fn:
  mov %esp, SCRATCH
  mov (%esp), %eax
  sub $back, %eax
  mov %eax, SCRATCH + 4
  mov 4(%esp), %eax
  mov %eax, SCRATCH + 8
  mov 8(%esp), %eax
  mov %eax, SCRATCH + 12
  mov 12(%esp), %eax
  mov %eax, SCRATCH + 16
  mov 16(%esp), %eax
  mov %eax, SCRATCH + 20
  mov 20(%esp), %eax
  mov %eax, SCRATCH + 24
  mov %ss, SCRATCH + 28
  mov $SEL_DATA32, %eax
  mov %ax, %ds
  lret $8

finish:
  hlt
