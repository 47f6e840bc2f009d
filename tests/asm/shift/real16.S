// 16-bit code: the default operand size is a word; 66h selects the 32-bit forms.
//@ mode: real
//@ init: eax=0x12340001 ebx=0x8000 ecx=0x0204 edx=0x80000000
//@ expect: eax=0x12340010 ebx=0xf800 ecx=0x0204 edx=0x40000000 flags[0x8d5]=0x4
  .code16
  shl %cl, %ax                /* 0x0010 */
  sar %cl, %bx                /* 0xf800 */
  shr $1, %edx                /* 0x40000000: OF=1 */
  rol $2, %cx                 /* 0x0810 ... */
  ror $2, %cx                 /* ... and back: CF = MSB = 0, OF = 0 */
  hlt
