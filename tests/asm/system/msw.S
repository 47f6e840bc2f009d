//@ expect: eax=0x8011 ebx=0x0005001f ecx=0x0017 edx=0x00050017 cr0=0x00050017 m16[0x20000]=0x001f
/* SMSW stores CR0 (all 32 bits into a 32-bit register, 16 into memory or a 16-bit
   register); LMSW writes PE, MP, EM and TS only; CLTS clears TS. */
#include "harness.inc"
  mov $0x00050011, %eax
  mov %eax, %cr0
  mov $0x800f, %ax                   /* MP EM TS PE; bit 15 ignored */
  lmsw %ax
  smsw %ebx
  smsw SCRATCH
  mov $0x0000, %ax                   /* LMSW cannot clear PE */
  movl $0x17, %ecx
  lmsw %cx                           /* PE MP EM; TS cleared */
  clts
  mov $0xffff, %ecx
  smsw %cx
  mov $0x8011, %eax
  mov %cr0, %edx
  hlt
