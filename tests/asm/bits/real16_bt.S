// 16-bit addressing: the bit-string address ea + 2 * (offset >> 4) wraps at 64 KiB.
//@ mode: real
//@ init: eax=0xfff0 ebx=0 m16[0xfffe]=1
//@ expect: m8[0x500]=1 m8[0x501]=0 m16[0xfffe]=3
  .code16
  bt %ax, (%bx)               /* offset -16: word 0xfffe, bit 0 */
  setc 0x500
  mov $0xfff1, %ax
  bts %ax, (%bx)              /* word 0xfffe, bit 1 */
  setc 0x501
  hlt
