/* CALL from ring 3 through a 16-bit call gate with one word parameter to 16-bit ring-0 code:
   the pushes on the new stack (SS, SP, the parameter, CS, IP) are words. */
//@ mode: ring3
//@ expect: cpl=0 cs=0x48 ss=0x10 esp=0x8fff6 m16[0x8fffe]=0x23 m16[0x8fffc]=0xffec
//@ expect: m16[0x8fffa]=0x44 m16[0x8fff8]=0x1b m16[0x8fff6]=0
#include "harness.inc"
#include "far/prot.inc"
base:
  call_gate 0x40, handler-base, 0x48, 0xe4, 1
  seg_desc 0x48, 0x10000, 0xffff, 0x9a, 0
  pushl $0x00330044
  lcall $0x43, $0
back:
  .code16
handler:
  subw $(back - base), (%esp)
  hlt
  .code32
