//@ expect: exc=14 err=0x10 cr2=0x203000
/* A fetch from a not-present page with NXE on: P=0 but I/D=1. */
#include "harness.inc"
#include "paging.inc"
  enable_nx
  map_pae_identity
  paging_on
  mov $0x203000, %ebx
  jmp *%ebx
