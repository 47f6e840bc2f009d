//@ expect: m8[0x20000]=1 m8[0x20001]=0 m8[0x20002]=1 m8[0x20003]=1 m8[0x20004]=0 m8[0x20005]=0
//@ expect: m8[0x20006]=0 m8[0x20007]=0 m8[0x20008]=1 m8[0x20009]=0
/* VERR / VERW set ZF when the segment could be read / written at CPL 0: code is readable but
   never writable, data both, a read-only data segment only readable, system segments and
   null selectors neither. */
#include "harness.inc"
  movl $0x0000ffff, GDT_BASE+0x40   /* 0x40: read-only data, DPL 0 */
  movl $0x00cf9100, GDT_BASE+0x44
  movl $0x0000ffff, GDT_BASE+0x48   /* 0x48: execute-only code, DPL 0 */
  movl $0x00cf9900, GDT_BASE+0x4c
  mov $SEL_CODE32, %ax
  verr %ax
  setz SCRATCH+0
  verw %ax
  setz SCRATCH+1
  mov $SEL_DATA32, %ax
  verr %ax
  setz SCRATCH+2
  verw %ax
  setz SCRATCH+3
  mov $SEL_TSS, %ax
  verr %ax
  setz SCRATCH+4
  xor %eax, %eax
  verr %ax
  setz SCRATCH+5
  mov $0x48, %ax
  verr %ax
  setz SCRATCH+6
  mov $0x40, %ax
  verw %ax
  setz SCRATCH+7
  verr %ax
  setz SCRATCH+8
  mov $SEL_DATA32 | 3, %ax          /* RPL 3 above the DPL 0 */
  verr %ax
  setz SCRATCH+9
  hlt
