//@ expect: m16[0x20010]=0x00ff m32[0x20012]=0x00001000 m16[0x20018]=0x07ff m32[0x2001a]=0x00002000
//@ expect: m16[0x20020]=0x1234 m32[0x20022]=0x00bbccdd m16[0x20028]=0x1234 m32[0x2002a]=0xaabbccdd
//@ expect: m16[0x20030]=0x5678 m32[0x20032]=0x00332211
/* SGDT/SIDT store the runner's tables; LGDT/LIDT load them back. With a 16-bit operand size
   LIDT loads 24 bits of base and SIDT stores the base with its high byte zero. */
#include "harness.inc"
  sgdt SCRATCH+0x10
  sidt SCRATCH+0x18
  /* A table image: limit 0x1234, base 0xaabbccdd. */
  movw $0x1234, SCRATCH+0x40
  movl $0xaabbccdd, SCRATCH+0x42
  lidtw SCRATCH+0x40            /* 16-bit operand size: base 0x00bbccdd */
  sidtl SCRATCH+0x20
  lidtl SCRATCH+0x40
  sidtl SCRATCH+0x28
  movw $0x5678, SCRATCH+0x48
  movl $0x44332211, SCRATCH+0x4a
  lidtl SCRATCH+0x48
  sidtw SCRATCH+0x30            /* 16-bit operand size: the stored base's high byte is zero */
  lidtl SCRATCH+0x18            /* restore */
  lgdtl SCRATCH+0x10
  hlt
