//@ expect: eax=0x40 ebx=0x40 ecx=0x7 edx=0x1234 m8[0x1045]=0x82
//@ expect: m16[0x20000]=0x40
/* LLDT loads an LDT descriptor from the GDT; SLDT stores the selector (zero-extended into a
   32-bit register); a data segment is then loaded from the LDT (selector 0x07: index 0, TI,
   RPL 3 -> DPL 3 data). */
#include "harness.inc"
  /* GDT 0x40: LDT at 0x20100, limit 0x17. */
  movl $0x01000017, GDT_BASE+0x40
  movl $0x00008202, GDT_BASE+0x44
  /* LDT entry 0: flat data, DPL 3. */
  movl $0x0000ffff, 0x20100
  movl $0x00cff300, 0x20104
  movl $0x1234, 0x20300
  mov $0xffffffff, %ebx
  mov $0x40, %ax
  lldt %ax
  sldt %ebx
  sldt SCRATCH
  xor %eax, %eax
  sldt %ax
  mov $0x07, %cx
  movzwl %cx, %ecx
  mov %cx, %es
  mov %es:0x20300, %edx
  hlt
