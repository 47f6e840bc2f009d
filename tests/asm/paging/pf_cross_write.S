//@ expect: exc=14 err=3 cr2=0x402000 m32[0x31ffc]=0x77777777 m32[0x32000]=0
/* A write that crosses from a writable page into a read-only one (CR0.WP=1) faults on the
 * second page with CR2 = its first byte, and writes no byte of the first. */
#include "harness.inc"
#include "paging.inc"
  map32_identity
  movl $(FRAME0 + 0x1000 | PG_P | PG_RW), PT1 + 4    /* 0x401000 writable */
  movl $(FRAME0 + 0x2000 | PG_P), PT1 + 8            /* 0x402000 read-only */
  set_cr0 CR0_WP
  paging_on
  movl $0x77777777, 0x401ffc
  movl $0x88888888, 0x401ffe
  hlt
