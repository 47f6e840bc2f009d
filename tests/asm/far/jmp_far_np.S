/* Far JMP to a code segment that is not present: #NP(selector). */
//@ expect: exc=11 err=0x40 cs=0x08
#include "harness.inc"
#include "far/prot.inc"
  seg_desc 0x40, 0, 0xfffff, 0x1a, 0xc
  ljmp $0x40, $0
