//@ expect: exc=14 err=3 cr2=0x401ffe m32[0x31000]=5 m32[0x31ffc]=0 m32[0x22004]=0x31061
/* Supervisor writes to a read-only page succeed with CR0.WP=0 (and set D); with CR0.WP=1 they
 * fault with P=1, W/R=1. The faulting write crosses into the next, writable page: nothing of
 * it is written. */
#include "harness.inc"
#include "paging.inc"
  map32_identity
  movl $(FRAME0 + 0x1000 | PG_P), PT1 + 4            /* 0x401000 read-only */
  movl $(FRAME0 + 0x2000 | PG_P | PG_RW), PT1 + 8    /* 0x402000 writable */
  paging_on
  movl $5, 0x401000
  set_cr0 CR0_WP
  movl $0x11223344, 0x401ffe
  hlt
