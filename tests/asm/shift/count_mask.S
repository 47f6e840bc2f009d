// Counts are masked to five bits: 33 is 1, 0x41 is 1, 32 is 0.
//@ init: eax=1 ebx=4 ecx=0x41 edx=0x5555 eflags=0x2
//@ expect: eax=2 ebx=2 edx=0x5555 esi=0x40000000 flags[0x8d5]=0x804
  shl $33, %eax
  shr %cl, %ebx
  rcl $32, %edx               /* nothing */
  mov $0x80000000, %esi
  sar $0x21, %esi             /* count 1: 0xc0000000 */
  shr $0x21, %esi             /* 0x60000000 */
  mov $0x80000000, %esi
  shr %cl, %esi               /* 0x40000000: OF = old MSB = 1, PF (low byte 0) */
  hlt
