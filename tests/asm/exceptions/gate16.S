/* A 16-bit interrupt gate pushes FLAGS, CS and IP as words (IP truncated) on the 32-bit stack;
   the handler runs in a 16-bit code segment. */
//@ deliver: guest
//@ expect: esp=0x8ffea m16[0x8ffea]=0 m16[0x8ffec]=0x08 m16[0x8ffee]=0x2 cs=0x40
#include "harness.inc"
#include "far/prot.inc"
base:
  seg_desc 0x40, 0x10000, 0xffff, 0x9a, 0
  mov $(handler - base), %eax
  mov %eax, IDT_BASE + 0x30 * 8
  mov %eax, IDT_BASE + 0x30 * 8 + 4
  movw $0x40, IDT_BASE + 0x30 * 8 + 2
  movw $0x8600, IDT_BASE + 0x30 * 8 + 4
  int $0x30
after:
  hlt
  .code16
handler:
  subw $(after - base), (%esp)
  hlt
  .code32
