/* LAHF after an arithmetic instruction sees the flags it produced. */
//@ expect: eax=0x9700 flags[0x8d5]=0x95
  mov $0x01, %al
  sub $0x02, %al              /* 0xff: CF SF AF PF */
  mov $0, %eax
  lahf
  hlt
