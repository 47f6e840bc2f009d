/* CMPS reads ES:EDI before DS:ESI: with both on pages that are not present, the fault
   names the ES:EDI address. */
#include "harness.inc"
#include "paging/paging.inc"
//@ expect: exc=14 err=0 cr2=0x403010 esi=0x402010 edi=0x403010
  map32_identity
  paging_on
  mov $0x402010, %esi
  mov $0x403010, %edi
  cmpsl
  hlt
