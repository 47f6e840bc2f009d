/* A bad DS selector in the new TSS faults after the commit point: #TS(selector) is raised in
   the new task (TR, busy bits, ESP and CR0.TS already switched). */
//@ expect: exc=10 err=0x100 esp=0x60000 m8[0x1045]=0x8b m8[0x103d]=0x89 cr0=0x19 ss=0x10
#include "harness.inc"
#include "far/prot.inc"
  seg_desc 0x40, 0x4000, 0x67, 0x89, 0
  tss32 0x4000, 0x10000, 0x60000, SEL_CODE32, SEL_DATA32
  movl $0x100, 0x4054
  ljmp $0x40, $0
