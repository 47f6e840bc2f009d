//@ expect: exc=1 eip=0x1002d dr6=0xffff0ff1 ecx=2
/* LEN aligns the range down: DR0=0x20005 with LEN=11 covers 0x20004-0x20007. Accesses at
   0x20003 (one byte) and 0x20008 miss; a byte write at 0x20007 hits. */
#include "harness.inc"
  mov $SCRATCH+5, %eax
  mov %eax, %dr0
  mov $0x000d0001, %eax            /* L0, R/W0=01, LEN0=11 */
  mov %eax, %dr7
  movb $1, SCRATCH+3
  movl $2, SCRATCH+8
  mov $2, %ecx
  movb $3, SCRATCH+7
  hlt
