// AAS: AX -= 106h when the low digit borrowed (with the borrow out of AL reaching AH).
//@ init: eax=0x0102
//@ expect: eax=0x0207 m16[0x20020]=0x0007 m16[0x20022]=0x0109 m16[0x20024]=0x030f m8[0x20000]=1 m8[0x20001]=1 m8[0x20002]=1 flags[0x8d5]=0x44
  sub $5, %al                 /* 0xfd with AF */
  aas                         /* 12 - 5 = 0x0007 */
  setc 0x20000
  mov %ax, 0x20020
  mov $0x0203, %ax
  sub $4, %al                 /* 0xff with AF */
  aas                         /* 23 - 4 = 0x0109 */
  setc 0x20001
  mov %ax, 0x20022
  mov $0x0513, %ax
  sub $0x0e, %al              /* 0x05 with AF: AL < 6 borrows from AH */
  aas                         /* 0x0505 - 0x106 = 0x03ff, AL & 0fh: 0x030f */
  setc 0x20002
  mov %ax, 0x20024
  mov $0x0207, %ax
  cmp %al, %al                /* AF=0 ZF=1 PF=1 */
  aas                         /* nothing to adjust; ZF and PF kept */
  hlt
