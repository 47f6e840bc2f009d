/* Far CALL and RETF at the same privilege: ptr16:32 pushes CS and EIP as dwords; RETF imm16
   drops the callee's parameters; a 32-bit call into 16-bit code returns with a 32-bit RETF;
   m16:32 works like ptr16:32. */
//@ expect: eax=0 ebx=0x08 ecx=0x11 edx=0x40 esi=0 edi=3 esp=0x8fff0
#include "harness.inc"
#include "far/prot.inc"
  seg_desc 0x40, 0x10000, 0xffff, 0x9a, 0
  mov $0, %edi
  pushl $0x11
  lcall $SEL_CODE32, $f1
r1:
  lcall $0x40, $(f16 - 0x10000)
r2:
  movl $f3, SCRATCH
  movw $SEL_CODE32, SCRATCH + 4
  lcall *SCRATCH
  hlt

f1:
  mov (%esp), %eax
  sub $r1, %eax
  mov 4(%esp), %ebx
  mov 8(%esp), %ecx
  inc %edi
  lret $4

  .code16
f16:
  mov %cs, %dx
  movl %esp, %esi
  subl $0x8ffe8, %esi          /* two dwords pushed */
  incl %edi
  lretl
  .code32

f3:
  inc %edi
  lret
