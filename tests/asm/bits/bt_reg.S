// BT on registers: the bit offset is taken modulo the operand width; only CF changes.
//@ init: eax=0x80000010 ebx=0x8421 eflags=0x8d6
//@ expect: eax=0x80000010 ebx=0x8421 m32[0x20000]=0x01000101 m16[0x20004]=0x0101 flags[0x8d5]=0x8d5
  mov $31, %ecx
  bt %ecx, %eax               /* bit 31: 1 */
  setc 0x20000
  mov $36, %ecx
  bt %ecx, %eax               /* 36 mod 32 = bit 4: 1 */
  setc 0x20001
  bt $3, %eax                 /* 0 */
  setc 0x20002
  bt $36, %eax                /* imm8 masked too: bit 4 */
  setc 0x20003
  mov $0x1f, %cx
  bt %cx, %bx                 /* 31 mod 16 = bit 15: 1 */
  setc 0x20004
  bt $0x1a, %bx               /* 26 mod 16 = bit 10: 1 */
  setc 0x20005
  hlt
