//@ expect: exc=1 eip=0x1001c dr6=0xffff0ff4
/* An I/O breakpoint (R/W=10) needs CR4.DE: without it the OUT to port 0x80 passes; with it
   the OUT traps after it runs. */
#include "harness.inc"
  mov $0x80, %eax
  mov %eax, %dr2
  mov $0x02000010, %eax            /* L2, R/W2=10, LEN2=00 */
  mov %eax, %dr7
  out %al, $0x80
  mov $0x8, %eax                   /* CR4.DE */
  mov %eax, %cr4
  out %al, $0x80
  hlt
