// BTS / BTR / BTC on registers: CF is the old bit, then the bit is set, cleared, flipped.
//@ init: eax=0 ebx=0xffffffff ecx=35 edx=0x5555 eflags=0x8d6
//@ expect: eax=0x20 ebx=0xfffffff7 edx=0x5556 m32[0x20000]=0x01010100 m16[0x20004]=0 flags[0x8d5]=0x8d4
  bts $5, %eax                /* 0 -> set */
  setc 0x20000
  bts $5, %eax                /* already set */
  setc 0x20001
  btr %ecx, %ebx              /* 35 mod 32 = bit 3 */
  setc 0x20002
  btc $0, %dx                 /* 0x5554 */
  setc 0x20003
  btc $17, %dx                /* 17 mod 16 = bit 1: 0x5556 */
  setc 0x20004
  btr $31, %eax               /* clear, already clear */
  setc 0x20005
  hlt
