//@ expect: m32[0x20000]=0x00c09b00 m8[0x20004]=1 m32[0x20008]=0xffffffff m8[0x2000c]=1
//@ expect: m32[0x20010]=0x00008b00 m8[0x20014]=1 m32[0x20018]=0x67 m8[0x2001c]=1
//@ expect: m32[0x20020]=0x00c0fb00 m8[0x20024]=1 m32[0x20028]=0xdeadbeef m8[0x2002c]=0
//@ expect: m32[0x20030]=0xdeadbeef m8[0x20034]=0 m32[0x20038]=0xdeadbeef m8[0x2003c]=0
//@ expect: m32[0x20040]=0xdeadbeef m8[0x20044]=0 m32[0x20048]=0xdeadbeef m8[0x2004c]=0
//@ expect: m32[0x20050]=0xdead9b00 m8[0x20054]=1 m32[0x20058]=0xdeadffff m8[0x2005c]=1
//@ expect: m32[0x20060]=0xdeadbeef m8[0x20064]=0 m32[0x20068]=0x00008c00 m8[0x2006c]=1
//@ expect: m32[0x20070]=0xdeadbeef m8[0x20074]=0
/* LAR and LSL: access rights (the descriptor's high dword masked with 00F0FF00h, FF00h for a
   16-bit operand) and the byte-granular limit; ZF=1 on success, else ZF=0 and the destination
   unchanged. Slot n at SCRATCH+8n: the result, then ZF. */
#include "harness.inc"
#define CASE(insn, sel, n) \
  mov $0xdeadbeef, %eax; mov $(sel), %edx; insn %dx, %eax; setz %cl; \
  mov %eax, SCRATCH+8*(n); movb %cl, SCRATCH+8*(n)+4
#define CASE16(insn, sel, n) \
  mov $0xdeadbeef, %eax; mov $(sel), %edx; insn %dx, %ax; setz %cl; \
  mov %eax, SCRATCH+8*(n); movb %cl, SCRATCH+8*(n)+4
  movl $0x00000000, GDT_BASE+0x48   /* 0x48: 32-bit interrupt gate (type 14) */
  movl $0x00008e00, GDT_BASE+0x4c
  movl $0x00080000, GDT_BASE+0x50   /* 0x50: 32-bit call gate (type 12) */
  movl $0x00008c00, GDT_BASE+0x54
  CASE(lar, SEL_CODE32, 0)
  CASE(lsl, SEL_CODE32, 1)
  CASE(lar, SEL_TSS, 2)
  CASE(lsl, SEL_TSS, 3)
  CASE(lar, SEL_CODE32_3, 4)         /* DPL 3, RPL 3 at CPL 0 */
  CASE(lar, 0, 5)                    /* null */
  CASE(lsl, 0x1008, 6)               /* beyond the GDT limit */
  CASE(lar, 0x40, 7)                 /* an empty slot: system type 0 */
  CASE(lar, 0x04, 8)                 /* LDT selector without an LDT */
  CASE(lar, SEL_CODE32 | 3, 9)       /* RPL 3 above DPL 0 */
  CASE16(lar, SEL_CODE32, 10)
  CASE16(lsl, SEL_CODE32, 11)
  CASE(lar, 0x48, 12)                /* interrupt gates are not reported */
  CASE(lar, 0x50, 13)                /* call gates are, by LAR */
  CASE(lsl, 0x50, 14)                /* ... but not by LSL */
  hlt
