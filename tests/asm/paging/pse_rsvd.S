//@ expect: exc=14 err=0xb cr2=0x800004
/* 4 MiB PDE bits 17..21 are reserved (PSE-36 with 36 physical address bits). */
#include "harness.inc"
#include "paging.inc"
  map32_identity
  movl $(0x400000 | (1 << 21) | PG_P | PG_RW | PG_PS), PD + 8
  set_cr4 CR4_PSE
  paging_on
  movl $1, 0x800004
  hlt
