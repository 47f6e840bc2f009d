/* --log pf: paging with one 4 MiB identity page; a write at 8 MiB faults (not present, write,
   supervisor). With an empty IDT the fault ends in a triple fault. */
#include "flat.inc"
#define PD 0x20000
.code32
start:
  FLAT_SETUP
  movl $0x00000083, PD          /* PDE 0: 4 MiB page at 0, present, writable */
  mov $PD, %eax
  mov %eax, %cr3
  mov %cr4, %eax
  or $0x10, %eax                 /* PSE */
  mov %eax, %cr4
  mov %cr0, %eax
  or $0x80000000, %eax           /* PG */
  mov %eax, %cr0
  movl $1, 0x800004
  hlt
  FLAT_TABLES
