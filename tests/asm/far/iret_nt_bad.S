/* IRET with NT set and a back link naming an available (not busy) TSS: #TS(link). */
//@ expect: exc=10 err=0x40
#include "harness.inc"
#include "far/prot.inc"
  seg_desc 0x40, 0x4000, 0x67, 0x89, 0
  movw $0x40, TSS_BASE                 /* back link */
  pushl $0x4002
  popf
  iret
