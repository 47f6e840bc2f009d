/* A call gate whose target selector is a data segment: #GP(target selector). */
//@ expect: exc=13 err=0x10 cs=0x08
#include "harness.inc"
#include "far/prot.inc"
  call_gate 0x40, 0, SEL_DATA32, 0x8c
  lcall $0x40, $0
