//@ expect: m32[0x20000]=0x11111111 m32[0x20004]=0x22222222 m32[0x20008]=0x33333333
//@ expect: m32[0x2000c]=0x44444444 m32[0x20010]=0xffff0ff0 m32[0x20014]=0xffffeff0
//@ expect: m32[0x20018]=0x00000400 m32[0x2001c]=0xffff0700 dr6=0xffff0ff0 dr7=0x400
//@ expect: m32[0x20020]=0xffff0ff1
/* DR0-DR3 hold any value. DR6 keeps bits 4-11 and 16-31 set and bit 12 clear; DR7 keeps bit
   10 set and bits 11, 12, 14, 15 clear. Without CR4.DE, DR4 and DR5 are DR6 and DR7. The R/W
   fields written here leave every breakpoint disabled (L0-L3, G0-G3 clear). */
#include "harness.inc"
  mov $0x11111111, %eax
  mov %eax, %dr0
  mov $0x22222222, %eax
  mov %eax, %dr1
  mov $0x33333333, %eax
  mov %eax, %dr2
  mov $0x44444444, %eax
  mov %eax, %dr3
  mov %dr0, %eax
  mov %eax, SCRATCH
  mov %dr1, %eax
  mov %eax, SCRATCH+4
  mov %dr2, %eax
  mov %eax, SCRATCH+8
  mov %dr3, %eax
  mov %eax, SCRATCH+12
  mov %dr6, %eax
  mov %eax, SCRATCH+0x10
  xor %eax, %eax                  /* all writable DR6 bits: BT BS BD B0-B3 -> reads ffffeff0|f */
  dec %eax
  and $0xfffffff0, %eax
  mov %eax, %dr6
  mov %dr6, %eax
  mov %eax, SCRATCH+0x14
  mov %dr7, %eax
  mov %eax, SCRATCH+0x18
  mov $0xffffdb00, %eax           /* LE GE and reserved 11, 12, 14, 15 */
  and $0xffffdf00, %eax
  mov %eax, %dr7
  mov %dr7, %eax
  mov %eax, SCRATCH+0x1c
  mov $1, %eax
  .byte 0x0f, 0x23, 0xe0          /* mov %eax, %dr4 (= DR6) */
  .byte 0x0f, 0x21, 0xe8          /* mov %dr5, %eax (= DR7) */
  mov %dr6, %ecx
  mov %ecx, SCRATCH+0x20
  xor %eax, %eax
  mov %eax, %dr6
  mov $0x400, %eax
  mov %eax, %dr7
  hlt
