// The sign-extended imm8 forms (83 /n, 80 /n): the immediate is extended to the operand size.
//@ init: eax=0x81 ebx=0x12345678 ecx=5 edx=0x00ff m32[0x20000]=0x12345678
//@ expect: eax=0x80 ebx=0x1234567a ecx=5 edx=0xfe esi=1 m32[0x20000]=0x12345670 flags[0x8d5]=0x11
  add $-1, %eax               /* 0x81 + 0xffffffff = 0x80, CF=1 */
  sub $-2, %bx                /* 16-bit: 0x5678 + 2 */
  xor %esi, %esi
  cmp $-1, %ecx               /* 5 - 0xffffffff borrows */
  jnc 1f
  inc %esi
1:
  add $-1, %dl                /* 0xff + 0xff = 0xfe */
  andl $-16, 0x20000
  stc
  adc $-1, %eax               /* 0x80 + 0xffffffff + 1 = 0x80: CF=1 AF=1, PF=0 OF=0 */
  hlt
