/* Far JMP beyond the target segment's limit: #GP(0). */
//@ expect: exc=13 err=0 cs=0x08
#include "harness.inc"
#include "far/prot.inc"
  seg_desc 0x40, 0, 0xfff, 0x9a, 0x4
  ljmp $0x40, $0x1000
