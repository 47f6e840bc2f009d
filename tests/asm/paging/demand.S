//@ deliver: guest
//@ expect: eax=0x600d ebx=0x401abc ecx=1 m32[0x28000]=2 m32[0x28004]=0x401abc m32[0x22004]=0x31063
/* Demand paging through the guest's #PF handler: the faulting write restarts after the
 * handler maps the page; the handler sees the error code and CR2. */
#include "harness.inc"
#include "paging.inc"
  idt_gate 14, pf_handler
  movl $0x600d, FRAME0 + 0x1abc
  map32_identity
  paging_on
  xor %ecx, %ecx
  movl $0x600d, 0x401abc
  mov 0x401abc, %eax
  mov RESULTS + 4, %ebx
  hlt

pf_handler:
  inc %ecx
  pop %edx                                           /* error code */
  mov %edx, RESULTS
  mov %cr2, %edx
  mov %edx, RESULTS + 4
  movl $(FRAME0 + 0x1000 | PG_P | PG_RW), PT1 + 4
  iret
