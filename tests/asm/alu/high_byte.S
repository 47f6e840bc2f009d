// Byte operations on AH, CH, DH, BH leave the rest of the register alone.
//@ init: eax=0x11223344 ebx=0x55667788 ecx=0x99aabbcc edx=0xddeeff00
//@ expect: eax=0x1122bb44 ebx=0x55667788 ecx=0x99aa10cc edx=0xddee7700 flags[0x8d5]=0x1
  add %ch, %ah                /* 0x33 + 0xbb = 0xee */
  sub %ah, %ah                /* 0 */
  or %ch, %ah                 /* 0xbb */
  xor %bh, %dh                /* 0xff ^ 0x77 = 0x88 */
  and $0x77, %dh              /* 0x00 */
  or %bh, %dh                 /* 0x77 */
  mov $0xf0, %ch
  add $0x20, %ch              /* 0x110: 0x10, CF */
  hlt
