/* LDS/LES/LFS/LGS/LSS: 32-bit and 16-bit far pointers; the selector follows the offset. */
#include "harness.inc"
//@ expect: eax=0x12345678 ebx=0x12345678 ecx=0x12345678 edx=0x12345678 esp=0x8fff0
//@ expect: esi=0xffff9abc ds=0x10 es=0x30 fs=0x10 gs=0x10 ss=0x10 edi=0x20
  movl $0x12345678, 0x20000
  movw $SEL_DATA32, 0x20004
  movl $0x8fff0, 0x20008
  movw $SEL_DATA32, 0x2000c
  movw $0x9abc, 0x20010
  movw $SEL_DATA16, 0x20012
  xor %eax, %eax
  mov %ax, %fs
  mov %ax, %gs
  lds 0x20000, %eax
  les 0x20000, %ebx
  lfs 0x20000, %ecx
  lgs 0x20000, %edx
  lss 0x20008, %esp
  mov $0xffffffff, %esi
  mov $0x20000, %edi
  les 0x10(%edi), %si        /* 16-bit: offset word, selector word */
  mov $0x20, %edi
  hlt
