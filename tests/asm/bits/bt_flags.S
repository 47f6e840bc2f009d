// BT leaves ZF alone; the flags the SDM leaves undefined follow the reference: kept when
// EFLAGS holds them, recomputed from the last arithmetic result otherwise.
//@ init: eax=0x11 eflags=0x8d6
//@ expect: edx=0x80000000 m32[0x20000]=0x01010101 m8[0x20004]=1 flags[0x8d5]=0x885
  bt $0, %eax                 /* CF=1, the rest as they were */
  seto 0x20000
  setz 0x20001
  sets 0x20002
  setp 0x20003
  setc 0x20004
  mov $0x7fffffff, %edx
  add $1, %edx                /* 0x80000000: SF OF AF PF */
  bt $4, %eax                 /* CF=1, AF=0, OF from bit 31 of (EAX >> 4) ^ result */
  hlt
