/* ENTER checks a write at its final ESP after the pushes: an allocation reaching a page that
   is not present faults there (a write #PF at the new ESP) with ESP and EBP unchanged and
   the pushed EBP already in memory. */
#include "harness.inc"
#include "paging/paging.inc"
//@ expect: exc=14 err=2 cr2=0x401ff0 esp=0x402008 ebp=0x1234 m32[0x31004]=0x1234
  map32_identity
  movl $(FRAME0 + 0x1000 | PG_P | PG_RW), PT1 + 8    /* 0x402000 present, 0x401000 not */
  paging_on
  mov $0x402008, %esp
  mov $0x1234, %ebp
  enter $0x14, $0                /* EBP pushed at 0x402004; final ESP 0x401ff0 */
  hlt
