//@ expect: eax=0x11223344 ebx=0xcafef00d esi=0x5a m32[0x30010]=0x11223344
//@ expect: m32[0x22000]=0x30063 m32[0x22004]=0x31021 m32[0x22008]=0x32003 m32[0x20004]=0x22027
//@ expect: m32[0x2100c]=0x3003 m32[0x21040]=0x10023
/* Turning paging on from the test. A write sets A and D in the PTE, a read sets A only, an
 * unused PTE keeps both clear; the PDE gets A but never D. The identity-mapped code page is
 * accessed (A) and clean; an unused identity page stays untouched. */
#include "harness.inc"
#include "paging.inc"
  movl $0xcafef00d, FRAME0 + 0x1000
  movl $0x5a, FRAME0 + 0x2000
  map32_identity
  movl $(FRAME0 | PG_P | PG_RW), PT1                 /* 0x400000 -> 0x30000 */
  movl $(FRAME0 + 0x1000 | PG_P), PT1 + 4            /* 0x401000 -> 0x31000, read-only */
  movl $(FRAME0 + 0x2000 | PG_P | PG_RW), PT1 + 8    /* 0x402000: never used */
  mov $FRAME0 + 0x2000, %esi
  paging_on
  mov (%esi), %esi                                    /* still identity-mapped: 0x32000 */
  movl $0x11223344, 0x400010
  mov 0x400010, %eax
  mov 0x401000, %ebx
  hlt
