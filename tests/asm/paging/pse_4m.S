//@ expect: eax=0x55 ebx=0x66 m32[0x412345]=0x66 m32[0x20008]=0x4000e3 m32[0x2000c]=0xc00081
//@ expect: m32[0x20010]=0x20a1
/* 32-bit paging with CR4.PSE: 4 MiB pages. PDE 2 maps 0x800000 -> 0x400000 and gets A and D
 * on a write; PDE 3 maps 0xc00000 -> 0xc00000 and stays untouched; PDE 4 has PS set with a
 * PSE-36 bit (physical bits 32..35 = 1): reads of that page above 4 GiB see an open bus and
 * it gets A. */
#include "harness.inc"
#include "paging.inc"
  movl $0x55, 0x400000
  map32_identity
  movl $(0x400000 | PG_P | PG_RW | PG_PS), PD + 8
  movl $(0xc00000 | PG_P | PG_PS), PD + 12
  movl $((1 << 13) | PG_P | PG_PS), PD + 16
  set_cr4 CR4_PSE
  paging_on
  mov 0x800000, %eax
  movl $0x66, 0x812345
  mov 0x812345, %ebx
  mov 0x1000000, %ecx
  cmp $0xffffffff, %ecx
  jne fail
  hlt
fail:
  ud2
