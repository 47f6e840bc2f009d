//@ expect: exc=13 err=0 eip=0x59 eax=0x11 ecx=0x633 edx=0
/* Virtual-8086 mode runs at CPL 3: SMSW, CPUID and RDTSC (CR4.TSD clear) are allowed there,
   MOV from CR0 is #GP(0). IRET with VM=1 enters V86 at 1000:0000. */
#include "harness.inc"
  pushl $0                          /* GS FS DS ES */
  pushl $0
  pushl $0
  pushl $0
  pushl $0x7000                     /* SS:ESP */
  pushl $0xfff0
  pushl $0x20002                    /* VM, IOPL 0 */
  pushl $0x1000                     /* CS:IP */
  pushl $(v86code - 0x10000)
  iret
  .org 0x40, 0x90
  .code16
v86code:                            /* offset 0x40 */
  smsw %ax                          /* 0x40: 0f 01 e0 */
  mov %eax, %esi
  mov $1, %eax
  cpuid
  mov %eax, %ecx
  rdtsc
  xor %edx, %edx
  mov %esi, %eax
  mov %cr0, %eax
  hlt
