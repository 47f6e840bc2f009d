// AAA: AX += 106h when the low digit overflowed, AL's high nibble cleared either way; only
// AF and CF change.
//@ init: eax=0x0009 ebx=0x0108
//@ expect: eax=0x0505 m16[0x20020]=0x0102 m16[0x20022]=0x0207 m16[0x20024]=0x0200 m8[0x20000]=1 m8[0x20001]=1 m8[0x20002]=1 flags[0x8d5]=0x4
  add $3, %al                 /* 0x0c */
  aaa                         /* 0x0102 */
  setc 0x20000
  mov %ax, 0x20020
  mov %bx, %ax
  add $9, %al                 /* 0x11 with AF */
  aaa                         /* 0x0207 */
  setc 0x20001
  mov %ax, 0x20022
  mov $0x00fa, %ax
  add $0, %al                 /* AF=0, but the digit is 0xa */
  aaa                         /* AX + 106h = 0x0200 */
  setc 0x20002
  mov %ax, 0x20024
  mov $0x0505, %ax
  add $0, %al                 /* PF=1, AF=0 */
  aaa                         /* nothing to adjust: AF = CF = 0, PF kept */
  hlt
