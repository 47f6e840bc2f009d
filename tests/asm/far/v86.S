/* IRET from ring 0 with VM set enters virtual-8086 mode (CS, SS, DS, ES, FS, GS from the
   frame, CPL 3). With IOPL 3 a 16-bit IRET inside V86 works, and INT n goes through a 32-bit
   interrupt gate to ring 0 on the TSS stack: GS, FS, DS, ES, SS, ESP, EFLAGS, CS, EIP are
   pushed and the data segment registers are nulled. */
//@ deliver: guest
//@ expect: cpl=0 ds=0 es=0 fs=0 gs=0 ss=0x10 esp=0x8ffdc flags[0x20000]=0 m16[0x20010]=0x55
//@ expect: m32[0x8ffdc]=0 m32[0x8ffe0]=0x1000 m32[0x8ffe4]=0x23202 m32[0x8ffe8]=0xfff0
//@ expect: m32[0x8ffec]=0x7000 m32[0x8fff0]=0x0 m32[0x8fff4]=0x2000 m32[0x8fff8]=0x0
//@ expect: m32[0x8fffc]=0x0 m16[0x7fff0]=0x77
#include "harness.inc"
#include "far/prot.inc"
base:                          /* linear 0x10000: offset 0 of V86 segment 0x1000 */
  idt_gate 0x30, v86_int, SEL_CODE32, 0xee
  pushl $0                     /* GS */
  pushl $0                     /* FS */
  pushl $0x2000                /* DS: 0x20000 */
  pushl $0                     /* ES */
  pushl $0x7000                /* SS: 0x70000 */
  pushl $0xfff0                /* ESP */
  pushl $0x23202               /* EFLAGS: VM, IOPL 3, IF */
  pushl $0x1000                /* CS: the load address */
  pushl $(v86code - 0x10000)
  iret

  .code16
v86code:
  mov $0x55, %ax
  mov %ax, 0x10                /* DS:0x10 */
  pushf
  push %cs
  push $(v86b - base)
  iret
v86b:
  mov $0x77, %ax
  mov %ax, %ss:0xfff0          /* SS:SP came through the IRET: 0x7fff0 */
  int $0x30
v86after:
  .code32

v86_int:
  subl $(v86after - 0x10000), (%esp)
  hlt
