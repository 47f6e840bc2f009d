//@ expect: exc=13 err=0 cpl=3 eip=0x10082 ecx=1
/* At CPL 3 with IOPL 0, the TSS I/O permission bitmap decides: port 0x80 is allowed (its bit
   clear), port 0x81 is not. */
#include "harness.inc"
  /* TSS at 0x24000, limit 0x88: bitmap at 0x68 for ports 0-255, then the 0xff end byte. */
  mov $0x24000, %edi
  xor %eax, %eax
  mov $0x24, %ecx
  rep stosl
  mov $0xffffffff, %eax
  mov $0x9, %ecx
  rep stosl
  movb $0xfe, 0x24000+0x68+0x10     /* port 0x80 allowed */
  movw $0x68, 0x24000+102
  movl $0x40000088, GDT_BASE+0x40
  movl $0x00008902, GDT_BASE+0x44
  mov $0x40, %ax
  ltr %ax
  mov $0x174, %ecx
  mov $SEL_CODE32, %eax
  xor %edx, %edx
  wrmsr
  mov $user, %edx
  mov $0x7fff0, %ecx
  sysexit
  .org 0x70, 0x90
user:
  in $0x80, %al
  out %al, $0x80
  mov $1, %ecx
  .org 0x82, 0x90
  in $0x81, %al
  hlt
